import { TokenwardenError } from '@tokenwarden/client';
import { useLang } from '../i18n';

/**
 * A failure in the user's language: the server's own message (localized by
 * Accept-Language) with the fields it names, or ours when no answer came.
 */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useLang();
  const e = error instanceof TokenwardenError ? error : undefined;
  const message = !e || e.isNetworkError ? t('error.network') : e.message;
  return (
    <div className="error" role="alert">
      <p>
        <strong>{t('error.title')}:</strong> {message}
      </p>
      {e && e.details.length > 0 && (
        <ul>
          {e.details.map((d) => (
            <li key={d.field}>
              <code>{d.field}</code>: {d.description}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('error.retry')}
        </button>
      )}
    </div>
  );
}
