import { MAX_REASON_LENGTH, Reason } from '@tokenwarden/contracts';
import { useLang } from '../i18n';

/** Whether a reason is one the API keeps (1–500 characters once trimmed): the contract's own rule. */
export function isValidReason(text: string): boolean {
  return Reason.safeParse(text).success;
}

/**
 * The reason of a revocation, which the audit trail keeps with the event and each token:
 * required here (the API takes none as well, but an auditor should always say why).
 */
export function ReasonField({ id, value, onChange, disabled }: { id: string; value: string; onChange(value: string): void; disabled?: boolean }) {
  const { t } = useLang();
  return (
    <div className="field reason">
      <label htmlFor={id}>{t('reason.label')}</label>
      <textarea
        id={id}
        name="reason"
        rows={3}
        required
        maxLength={MAX_REASON_LENGTH}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={`${id}-help`}
      />
      <span id={`${id}-help`} className="hint">
        {t('reason.help', { n: value.trim().length, max: MAX_REASON_LENGTH })}
      </span>
    </div>
  );
}
