import type { Timestamp } from '@tokenwarden/contracts';
import { useRef, useState } from 'react';
import { type ExportFormat, exportTokens } from '../export';
import { useLang } from '../i18n';
import type { ListState } from '../list-query';
import { useSession } from '../session';
import { ErrorMessage } from './error-message';

type Progress =
  | { phase: 'idle' }
  | { phase: 'running'; done: number; total: number }
  | { phase: 'done'; count: number; fileName: string }
  | { phase: 'failed'; error: unknown };

/** Export of the current filters' whole snapshot as CSV or JSON, with a progress bar. */
export function ExportPanel({ state, snapshot }: { state: ListState; snapshot: Timestamp | undefined }) {
  const { t } = useLang();
  const { client } = useSession();
  const [progress, setProgress] = useState<Progress>({ phase: 'idle' });
  const abort = useRef<AbortController | undefined>(undefined);

  const run = async (format: ExportFormat) => {
    if (!snapshot) return;
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ phase: 'running', done: 0, total: 0 });
    try {
      const result = await exportTokens(
        client,
        state,
        snapshot,
        format,
        (done, total) => setProgress({ phase: 'running', done, total }),
        controller.signal,
      );
      const url = URL.createObjectURL(result.blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = result.fileName;
      document.body.append(a);
      a.click();
      a.remove();
      // The download has its own copy once started; the URL is not needed after this turn.
      setTimeout(() => URL.revokeObjectURL(url), 0);
      setProgress({ phase: 'done', count: result.count, fileName: result.fileName });
    } catch (error) {
      setProgress(controller.signal.aborted ? { phase: 'idle' } : { phase: 'failed', error });
    }
  };

  const running = progress.phase === 'running';
  return (
    <section className="export" aria-labelledby="export-title">
      <h2 id="export-title">{t('export.title')}</h2>
      <p className="hint">{t('export.help')}</p>
      <div className="actions">
        <button type="button" onClick={() => run('csv')} disabled={running || !snapshot}>
          {t('export.csv')}
        </button>
        <button type="button" onClick={() => run('json')} disabled={running || !snapshot}>
          {t('export.json')}
        </button>
        {running && (
          <button type="button" onClick={() => abort.current?.abort()}>
            {t('export.cancel')}
          </button>
        )}
      </div>
      {running && (
        <div className="progress">
          <progress max={Math.max(progress.total, 1)} value={progress.done} aria-label={t('export.title')} />
          <span aria-live="polite">{t('export.progress', { done: progress.done, total: progress.total })}</span>
        </div>
      )}
      {progress.phase === 'done' && (
        <p role="status" className="ok">
          {t('export.done', { n: progress.count, file: progress.fileName })}
        </p>
      )}
      {progress.phase === 'failed' && <ErrorMessage error={progress.error} />}
    </section>
  );
}
