import type { Token } from '@tokenwarden/contracts';
import { enumTail, formatInstant, shortId } from '../format';
import { optionalText, useLang } from '../i18n';
import { TokenLink } from './token-links';

/** One page of tokens: the columns an auditor scans; every field is on the token's own page. */
export function TokenTable({ tokens, caption }: { tokens: readonly Token[]; caption: string }) {
  const { t, lang } = useLang();
  const value = (v: string) => optionalText(lang, `value.${v}`) ?? v;
  return (
    <div className="table-wrap">
      <table className="tokens">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('col.token_id')}</th>
            <th scope="col">{t('col.status')}</th>
            <th scope="col">{t('col.grant_flow')}</th>
            <th scope="col">{t('col.client_id')}</th>
            <th scope="col">{t('col.user_id')}</th>
            <th scope="col">{t('col.account_id')}</th>
            <th scope="col">{t('col.roles')}</th>
            <th scope="col">{t('col.created_at')} (UTC)</th>
            <th scope="col">{t('col.expires_at')} (UTC)</th>
            <th scope="col">{t('col.last_used_at')} (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((tk) => (
            <tr key={tk.token_id} data-token-id={tk.token_id}>
              <td>
                <TokenLink id={tk.token_id} />
              </td>
              <td>
                <span className={`badge ${enumTail(tk.status, 'TOKEN_STATUS_').toLowerCase()}`}>{value(tk.status)}</span>
              </td>
              <td>{value(tk.grant_flow)}</td>
              <td>{tk.client_id}</td>
              <td className="mono" title={tk.user_id ?? undefined}>
                {tk.user_id ? shortId(tk.user_id) : t('none')}
              </td>
              <td className="mono" title={tk.account_id ?? undefined}>
                {tk.account_id ? shortId(tk.account_id) : t('none')}
              </td>
              <td className="roles">{tk.roles.join(', ') || t('none')}</td>
              <td title={tk.created_at}>{formatInstant(tk.created_at, false)}</td>
              <td title={tk.expires_at}>{formatInstant(tk.expires_at, false)}</td>
              <td title={tk.last_used_at ?? undefined}>{tk.last_used_at ? formatInstant(tk.last_used_at, false) : t('never')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
