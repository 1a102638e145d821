import type { ReactNode } from 'react';

/**
 * The overview's pictures, as plain SVG: no chart library for bars and columns. Each
 * picture comes with its numbers as text (a table for screen readers and for copying).
 */

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, one row each: label, bar, count. */
export function BarList({ title, bars, empty }: { title: string; bars: readonly Bar[]; empty: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? (
        <p className="hint">{empty}</p>
      ) : (
        <table className="bars">
          <tbody>
            {bars.map((b) => (
              <tr key={b.label}>
                <th scope="row">{b.label}</th>
                <td className="bar-cell">
                  <svg viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" className="bar">
                    <rect x="0" y="0" height="8" width={(b.value / max) * 100} />
                  </svg>
                </td>
                <td className="num">{b.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}

export interface Column {
  /** Under the column (shown for some columns only when there are many). */
  label: string;
  /** The column's full description, in its tooltip and the table. */
  title: string;
  value: number;
}

const HEIGHT = 120;
const LABEL_SPACE = 18;

/** Vertical columns over a time axis (per day); every `labelEvery`-th column is labelled. */
export function Columns({
  title,
  columns,
  labelEvery = 1,
  caption,
}: {
  title: string;
  columns: readonly Column[];
  labelEvery?: number;
  caption?: ReactNode;
}) {
  const max = Math.max(1, ...columns.map((c) => c.value));
  // Few columns get room for their labels; a month of days fits the width at 20 units each.
  const step = columns.length > 12 ? 20 : 40;
  const width = columns.length * step;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${HEIGHT + LABEL_SPACE}`} className="columns" role="img" aria-label={title}>
        {columns.map((c, i) => {
          const h = (c.value / max) * (HEIGHT - 14);
          return (
            <g key={c.title}>
              <title>{`${c.title}: ${c.value}`}</title>
              <rect x={i * step + 3} y={HEIGHT - h} width={step - 6} height={h} />
              {c.value > 0 && (
                <text x={i * step + step / 2} y={HEIGHT - h - 3} className="value" textAnchor="middle">
                  {c.value}
                </text>
              )}
              {i % labelEvery === 0 && (
                <text x={i * step + step / 2} y={HEIGHT + 13} className="axis" textAnchor="middle">
                  {c.label}
                </text>
              )}
            </g>
          );
        })}
        <line x1="0" x2={width} y1={HEIGHT} y2={HEIGHT} className="baseline" />
      </svg>
      {caption}
      <div className="visually-hidden">
        <table>
          <tbody>
            {columns.map((c) => (
              <tr key={c.title}>
                <th scope="row">{c.title}</th>
                <td>{c.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
