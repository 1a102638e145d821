import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { LANGUAGES, type Lang, SCOPES } from '@tokenwarden/contracts';
import { useEffect, useRef, useState } from 'react';
import { useLang } from './i18n';
import { ActivityPage } from './pages/activity';
import { OverviewPage } from './pages/overview';
import { RevokeByFilterPage } from './pages/revoke-by-filter';
import { SignInPage } from './pages/sign-in';
import { TokenDetailsPage } from './pages/token-details';
import { TokenListPage } from './pages/token-list';
import { Link, navigate, paths, routeOf, useAddress } from './router';
import { endsSession, useSession } from './session';

/**
 * The console: a header with the pages and the session, and the page of the address.
 * Without a session every address shows the sign-in, and the page asked for after it.
 */
export function App() {
  const session = useSession();
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const [queryClient] = useState(
    () =>
      new QueryClient({
        // A refused token (expired, revoked meanwhile) ends the session, whatever call found out.
        queryCache: new QueryCache({ onError: (error) => endsSession(error) && sessionRef.current.expire() }),
        mutationCache: new MutationCache({ onError: (error) => endsSession(error) && sessionRef.current.expire() }),
        // The client retries what may pass (5xx, no answer) itself; a snapshot's pages change little.
        defaultOptions: { queries: { retry: false, staleTime: 30_000, refetchOnWindowFocus: false } },
      }),
  );
  // Nothing of one session is shown to the next.
  useEffect(() => {
    if (!session.signedIn) queryClient.clear();
  }, [session.signedIn, queryClient]);

  return (
    <QueryClientProvider client={queryClient}>
      <Shell />
    </QueryClientProvider>
  );
}

function Shell() {
  const { t, lang, setLang } = useLang();
  const session = useSession();
  const { pathname, search } = useAddress();
  const route = routeOf(pathname, search);
  const main = useRef<HTMLElement>(null);

  // After signing in from the sign-in address, go to the overview.
  useEffect(() => {
    if (session.signedIn && route.page === 'sign-in') navigate(paths.overview(), { replace: true });
  }, [session.signedIn, route.page]);
  // A new page moves the focus to its heading, as a page load would for a screen reader.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [pathname, session.signedIn]);

  let page: React.ReactNode;
  if (!session.signedIn || route.page === 'sign-in') page = <SignInPage />;
  else if (route.page === 'overview') page = <OverviewPage search={route.search} />;
  else if (route.page === 'tokens') page = <TokenListPage search={route.search} />;
  else if (route.page === 'token') page = <TokenDetailsPage tokenId={route.tokenId} />;
  else if (route.page === 'revoke') page = <RevokeByFilterPage search={route.search} />;
  else if (route.page === 'activity') page = <ActivityPage search={route.search} />;
  else page = <h1 tabIndex={-1}>{t('notfound.title')}</h1>;

  return (
    <>
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        {session.signedIn && (
          <nav aria-label={t('nav.main')}>
            <Link to={paths.overview()} aria-current={route.page === 'overview' ? 'page' : undefined}>
              {t('nav.overview')}
            </Link>
            <Link
              to={paths.tokens()}
              aria-current={route.page === 'tokens' || route.page === 'token' || route.page === 'revoke' ? 'page' : undefined}
            >
              {t('nav.tokens')}
            </Link>
            {session.may(SCOPES.events) && (
              <Link to={paths.activity()} aria-current={route.page === 'activity' ? 'page' : undefined}>
                {t('nav.activity')}
              </Link>
            )}
          </nav>
        )}
        <span className="spacer" />
        <label className="lang">
          {t('lang.label')}
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {l === 'en' ? 'English' : 'Español'}
              </option>
            ))}
          </select>
        </label>
        {session.signedIn && (
          <button type="button" onClick={() => session.signOut()}>
            {t('signout.button')}
          </button>
        )}
      </header>
      <main ref={main}>{page}</main>
    </>
  );
}
