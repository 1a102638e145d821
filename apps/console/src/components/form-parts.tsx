import { useLang } from '../i18n';

/** The page sizes a form offers; a size from the address that is not one of them is offered too. */
const PAGE_SIZES = [10, 25, 50, 100];

/** The page-size select of the filter forms (the token list's and the trail's). */
export function PageSizeField({ value, onChange }: { value: number; onChange: (size: number) => void }) {
  const { t } = useLang();
  const sizes = PAGE_SIZES.includes(value) ? PAGE_SIZES : [...PAGE_SIZES, value].sort((a, b) => a - b);
  return (
    <label>
      {t('list.pageSize')}
      <select name="page_size" value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {sizes.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A filter form's buttons: apply (the form's submit) and clear. */
export function FormActions({ onClear }: { onClear: () => void }) {
  const { t } = useLang();
  return (
    <div className="actions">
      <button type="submit" className="primary">
        {t('list.apply')}
      </button>
      <button type="button" onClick={onClear}>
        {t('list.clear')}
      </button>
    </div>
  );
}
