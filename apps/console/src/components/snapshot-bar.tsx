import { formatInstant } from '../format';
import { type TextKey, useLang } from '../i18n';

/** The instant every page (and export) shows the tokens at, and a way to move it to now. */
export function SnapshotBar({
  snapshot,
  onNew,
  busy,
  help = 'snapshot.help',
}: {
  snapshot: string | undefined;
  onNew(): void;
  busy: boolean;
  help?: TextKey;
}) {
  const { t } = useLang();
  return (
    <div className="snapshot">
      <span>
        {t('snapshot.label')}:{' '}
        <time dateTime={snapshot} title={snapshot} data-testid="snapshot">
          {snapshot ? formatInstant(snapshot) : '…'}
        </time>
      </span>
      <span className="hint">{t(help)}</span>
      <button type="button" onClick={onNew} disabled={busy}>
        {t('snapshot.new')}
      </button>
    </div>
  );
}
