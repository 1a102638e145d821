import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useLang } from '../i18n';
import { useSession } from '../session';
import { ErrorMessage } from './error-message';

/**
 * Revoking asks first, in a modal dialog (focus starts on Cancel, the first button, and
 * stays inside; Escape cancels). The
 * revoke contract takes no reason today, so the dialog asks for none: a reason field
 * belongs here once `RevokeTokenInput.body` has one.
 */
export function RevokeDialog({ tokenId, open, onClose, onRevoked }: { tokenId: string; open: boolean; onClose(): void; onRevoked(): void }) {
  const { t } = useLang();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const revoke = useMutation({
    mutationFn: () => client.tokens.revoke({ token_id: tokenId }),
    onSuccess: async () => {
      // The token's page and every list showing it read it again.
      await queryClient.invalidateQueries({ queryKey: ['tokens'] });
      onRevoked();
    },
  });

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="revoke-title" onClose={onClose}>
      <h2 id="revoke-title">{t('revoke.title')}</h2>
      <p>{t('revoke.body', { id: tokenId })}</p>
      {revoke.isError && <ErrorMessage error={revoke.error} />}
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('revoke.cancel')}
        </button>
        <button type="button" className="danger" onClick={() => revoke.mutate()} disabled={revoke.isPending}>
          {t('revoke.confirm')}
        </button>
      </div>
    </dialog>
  );
}
