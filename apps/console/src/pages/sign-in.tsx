import { type FormEvent, useState } from 'react';
import { ErrorMessage } from '../components/error-message';
import { useLang } from '../i18n';
import { useSession } from '../session';

/**
 * Sign-in with the login grant (username and password), or with a token pasted from
 * elsewhere. Both forms are sent by script, never as a GET, so no secret reaches an address.
 */
export function SignInPage() {
  const { t } = useLang();
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState<'password' | 'token' | undefined>();
  const [error, setError] = useState<unknown>();

  const attempt = (which: 'password' | 'token', run: () => Promise<void>) => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(which);
    setError(undefined);
    try {
      await run();
    } catch (err) {
      setError(err);
      setBusy(undefined);
    }
  };

  return (
    <div className="sign-in">
      <h1 tabIndex={-1}>{t('signin.title')}</h1>
      {session.ended && (
        <p className="notice" role="status">
          {t('signin.expired')}
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} />}
      <form method="post" onSubmit={attempt('password', () => session.signInWithPassword(username, password))}>
        <fieldset>
          <legend>{t('signin.password.legend')}</legend>
          <label>
            {t('signin.username')}
            <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
          <label>
            {t('signin.password')}
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={busy !== undefined}>
            {busy === 'password' ? t('signin.working') : t('signin.submit')}
          </button>
        </fieldset>
      </form>
      <form method="post" onSubmit={attempt('token', () => session.signInWithToken(token))}>
        <fieldset>
          <legend>{t('signin.token.legend')}</legend>
          <label>
            {t('signin.token')}
            <input
              name="access_token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              required
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          </label>
          <p className="hint">{t('signin.token.help')}</p>
          <button type="submit" disabled={busy !== undefined}>
            {busy === 'token' ? t('signin.working') : t('signin.token.submit')}
          </button>
        </fieldset>
      </form>
    </div>
  );
}
