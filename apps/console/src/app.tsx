import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TokenwardenError } from '@tokenwarden/client';
import { LANGUAGES, type Lang } from '@tokenwarden/contracts';
import { useEffect, useRef, useState } from 'react';
import { useLang } from './i18n';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';
import { TokenDetailsPage } from './pages/token-details';
import { TokenListPage } from './pages/token-list';
import { Link, navigate, paths, routeOf, useAddress } from './router';
import { useSession } from './session';

/** A 401 means the token is gone (expired, revoked): the session ends and sign-in is asked again. */
function isSessionEnd(error: unknown): boolean {
  return error instanceof TokenwardenError && error.status === 401;
}

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
        queryCache: new QueryCache({ onError: (error) => isSessionEnd(error) && sessionRef.current.expire() }),
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
            <Link to={paths.tokens()} aria-current={route.page === 'tokens' || route.page === 'token' ? 'page' : undefined}>
              {t('nav.tokens')}
            </Link>
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
