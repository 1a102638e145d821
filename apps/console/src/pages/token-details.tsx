import { useQuery } from '@tanstack/react-query';
import { SCOPES, type Token } from '@tokenwarden/contracts';
import { useState } from 'react';
import { ErrorMessage } from '../components/error-message';
import { RevokeDialog } from '../components/revoke-dialog';
import { TokenActivity } from '../components/token-activity';
import { TokenLink } from '../components/token-links';
import { formatDuration, formatInstant } from '../format';
import { optionalText, type TextKey, useLang } from '../i18n';
import { Link, paths } from '../router';
import { useSession } from '../session';

/** Every field of one token, in the contract's order, its revocation (with a reason) and its events. */
export function TokenDetailsPage({ tokenId }: { tokenId: string }) {
  const { t, lang } = useLang();
  const { client, may } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [revoked, setRevoked] = useState(false);
  const query = useQuery({ queryKey: ['tokens', 'get', tokenId], queryFn: ({ signal }) => client.tokens.get({ token_id: tokenId }, { signal }) });
  const token = query.data;
  const value = (v: string) => optionalText(lang, `value.${v}`) ?? v;
  const instant = (v: string | null, none: TextKey = 'none') =>
    v === null ? (
      t(none)
    ) : (
      <time dateTime={v} title={v}>
        {formatInstant(v)}
      </time>
    );

  const rows: [TextKey, (tk: Token) => React.ReactNode][] = [
    ['col.token_id', (tk) => <code>{tk.token_id}</code>],
    ['col.status', (tk) => <span className={`badge ${tk.status.replace('TOKEN_STATUS_', '').toLowerCase()}`}>{value(tk.status)}</span>],
    ['col.grant_flow', (tk) => value(tk.grant_flow)],
    ['col.client_id', (tk) => tk.client_id],
    ['col.user_id', (tk) => (tk.user_id ? <code>{tk.user_id}</code> : t('none'))],
    ['col.account_id', (tk) => (tk.account_id ? <code>{tk.account_id}</code> : t('none'))],
    ['col.roles', (tk) => tk.roles.join(', ') || t('none')],
    ['col.scopes', (tk) => (tk.scopes.length ? tk.scopes.map((s) => <code key={s}>{s} </code>) : t('none'))],
    ['col.created_at', (tk) => instant(tk.created_at)],
    ['col.expires_at', (tk) => instant(tk.expires_at)],
    ['col.expires_in', (tk) => formatDuration(tk.expires_in)],
    ['col.revoked_at', (tk) => instant(tk.revoked_at)],
    // Null for a revoked token: the operator revoked it (or it was revoked before revocations recorded who).
    ['col.revoked_by', (tk) => (tk.revoked_by ? <TokenLink id={tk.revoked_by} /> : t(tk.revoked_at ? 'details.noActor' : 'none'))],
    ['col.revoke_reason', (tk) => tk.revoke_reason ?? t('none')],
    ['col.last_used_at', (tk) => instant(tk.last_used_at, 'never')],
    ['col.last_used_ip', (tk) => (tk.last_used_ip ? <code>{tk.last_used_ip}</code> : t('none'))],
    ['col.last_used_user_agent', (tk) => tk.last_used_user_agent ?? t('none')],
  ];

  return (
    <>
      <p>
        <Link to={paths.tokens()}>← {t('details.back')}</Link>
      </p>
      <h1 tabIndex={-1}>{t('details.title', { id: tokenId.slice(0, 8) })}</h1>
      {query.isError ? (
        <ErrorMessage error={query.error} onRetry={() => query.refetch()} />
      ) : !token ? (
        <p role="status" className="loading">
          {t('details.loading')}
        </p>
      ) : (
        <>
          {revoked && (
            <p role="status" className="ok">
              {t('revoke.done')}
            </p>
          )}
          <dl className="details">
            {rows.map(([label, cell]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd data-field={label.slice(4)}>{cell(token)}</dd>
              </div>
            ))}
          </dl>
          {token.revoked_at === null && may(SCOPES.revoke) && (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              {t('revoke.button')}
            </button>
          )}
          <RevokeDialog
            tokenId={token.token_id}
            open={confirming}
            onClose={() => setConfirming(false)}
            onRevoked={() => {
              setConfirming(false);
              setRevoked(true);
            }}
          />
          {may(SCOPES.events) && <TokenActivity tokenId={token.token_id} />}
        </>
      )}
    </>
  );
}
