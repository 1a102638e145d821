import { shortId } from '../format';
import { Link, paths } from '../router';

/** A token named by its short id, linking to its details (the whole id in the title). */
export function TokenLink({ id }: { id: string }) {
  return (
    <Link to={paths.token(id)} className="mono" title={id}>
      {shortId(id)}
    </Link>
  );
}

/** Token ids as a grid of links (a dry run's sample, a revocation's ids), labelled for screen readers. */
export function TokenIdGrid({ ids, label }: { ids: readonly string[]; label: string }) {
  return (
    <ul className="id-grid" aria-label={label}>
      {ids.map((id) => (
        <li key={id} data-token-id={id}>
          <TokenLink id={id} />
        </li>
      ))}
    </ul>
  );
}
