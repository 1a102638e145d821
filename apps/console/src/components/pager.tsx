import { MAX_PAGE_NUMBER } from '@tokenwarden/contracts';
import { type FormEvent, useState } from 'react';
import { useLang } from '../i18n';

/** Pages of one snapshot: first, previous, next, last, and a jump to any page. */
export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage(page: number): void }) {
  const { t } = useLang();
  const [target, setTarget] = useState('');
  const last = Math.max(1, pages);
  const go = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(target);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE_NUMBER) onPage(Math.min(n, last));
    setTarget('');
  };
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <button type="button" onClick={() => onPage(1)} disabled={page <= 1}>
        {t('pager.first')}
      </button>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
        {t('pager.prev')}
      </button>
      <span className="pager-status" aria-live="polite">
        {t('pager.status', { page, pages: last })}
      </span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= last}>
        {t('pager.next')}
      </button>
      <button type="button" onClick={() => onPage(last)} disabled={page >= last}>
        {t('pager.last')}
      </button>
      <form onSubmit={go} className="pager-jump">
        <label>
          {t('pager.goto')}
          <input type="number" min={1} max={last} value={target} onChange={(e) => setTarget(e.target.value)} inputMode="numeric" />
        </label>
        <button type="submit">{t('pager.go')}</button>
      </form>
    </nav>
  );
}
