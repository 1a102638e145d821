import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useLang } from '../i18n';
import { useSession } from '../session';
import { ErrorMessage } from './error-message';
import { isValidReason, ReasonField } from './reason-field';

/**
 * Revoking asks first, in a modal dialog, for the reason the audit trail keeps (sent as
 * the revoke's `body.reason`). Focus starts on the reason and stays inside; Escape cancels.
 */
export function RevokeDialog({ tokenId, open, onClose, onRevoked }: { tokenId: string; open: boolean; onClose(): void; onRevoked(): void }) {
  const { t } = useLang();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const revoke = useMutation({
    mutationFn: (why: string) => client.tokens.revoke({ token_id: tokenId, body: { reason: why.trim() } }),
    onSuccess: async () => {
      // The token's page, every list showing it and the trail read it again.
      await Promise.all([queryClient.invalidateQueries({ queryKey: ['tokens'] }), queryClient.invalidateQueries({ queryKey: ['events'] })]);
      onRevoked();
    },
  });

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (isValidReason(reason)) revoke.mutate(reason);
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="revoke-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="revoke-title">{t('revoke.title')}</h2>
        <p>{t('revoke.body', { id: tokenId })}</p>
        <ReasonField id="revoke-reason" value={reason} onChange={setReason} disabled={revoke.isPending} />
        {revoke.isError && <ErrorMessage error={revoke.error} />}
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('revoke.cancel')}
          </button>
          <button type="submit" className="danger" disabled={revoke.isPending || !isValidReason(reason)}>
            {t('revoke.confirm')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
