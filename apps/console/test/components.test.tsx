import { TokenwardenError } from '@tokenwarden/client';
import type { Lang } from '@tokenwarden/contracts';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { BarList, Columns } from '../src/components/charts';
import { ErrorMessage } from '../src/components/error-message';
import { FilterForm } from '../src/components/filter-form';
import { Pager } from '../src/components/pager';
import { LangProvider } from '../src/i18n';
import { type ListState, readListState } from '../src/list-query';

afterEach(cleanup);

const inLang = (ui: ReactNode, lang: Lang = 'en') => render(<LangProvider lang={lang}>{ui}</LangProvider>);

function stateOf(search: string): ListState {
  const read = readListState(search);
  if (!read.ok) throw new Error(read.fields.join());
  return read.state;
}

describe('FilterForm', () => {
  it('applies the filters, order and page size, from page 1 of the same snapshot', async () => {
    const applied: ListState[] = [];
    const state = stateOf('page_params.page_number=4&page_params.first_request_timestamp.seconds=1700000000');
    inLang(<FilterForm state={state} onApply={(s) => applied.push(s)} />);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Grant flow'), 'GRANT_FLOW_LOGIN');
    await user.type(screen.getByLabelText('Role'), 'AUDITOR');
    await user.selectOptions(screen.getByLabelText('Order by'), 'expires_at');
    await user.selectOptions(screen.getByLabelText('Direction'), 'ASC');
    await user.selectOptions(screen.getByLabelText('Page size'), '50');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      grant_flow: 'GRANT_FLOW_LOGIN',
      role: 'AUDITOR',
      order_params: { order_key: 'expires_at', order_direction: 'ASC' },
      page_params: { page_size: 50, page_number: 1, first_request_timestamp: { seconds: 1_700_000_000, nanos: 0 } },
    });
  });

  it('refuses a malformed value, saying why in the user’s language, and applies nothing', async () => {
    const applied: ListState[] = [];
    inLang(<FilterForm state={stateOf('')} onApply={(s) => applied.push(s)} />, 'es');
    const user = userEvent.setup();
    const field = screen.getByLabelText('Id de usuario');
    await user.type(field, 'not-a-uuid');
    await user.click(screen.getByRole('button', { name: 'Aplicar' }));
    expect(applied).toEqual([]);
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('debe ser un UUID')).toBeTruthy();
  });

  it('keeps the time bounds and statuses of the address, and sets new ones as RFC 3339 in UTC', async () => {
    const applied: ListState[] = [];
    const state = stateOf('created_after=2023-11-14T23:13:20%2B01:00&status=TOKEN_STATUS_EXPIRED');
    inLang(<FilterForm state={state} onApply={(s) => applied.push(s)} />);
    const user = userEvent.setup();
    // The address's bound, shown in UTC.
    expect((screen.getByLabelText('Created at or after (UTC)') as HTMLInputElement).value).toBe('2023-11-14T22:13:20');
    expect((screen.getByLabelText('Expired') as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByLabelText('Active'));
    await user.type(screen.getByLabelText('Role'), 'AUDITOR');
    // A datetime-local field takes its value as a whole.
    fireEvent.change(screen.getByLabelText('Expires before (UTC)'), { target: { value: '2030-01-02T03:04:05' } });
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      role: 'AUDITOR',
      status: ['ACTIVE', 'EXPIRED'],
      created_after: 1_700_000_000_000_000,
      expires_before: Date.UTC(2030, 0, 2, 3, 4, 5) * 1000,
    });
  });

  it('clears every filter but keeps the order', async () => {
    const applied: ListState[] = [];
    inLang(
      <FilterForm state={stateOf('role=TELLER&grant_flow=GRANT_FLOW_PASSWORD&order_params.order_key=token_id')} onApply={(s) => applied.push(s)} />,
    );
    expect((screen.getByLabelText('Role') as HTMLInputElement).value).toBe('TELLER');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(applied[0]?.role).toBeUndefined();
    expect(applied[0]?.grant_flow).toBeUndefined();
    expect(applied[0]?.order_params.order_key).toBe('token_id');
  });
});

describe('Pager', () => {
  it('moves between the pages of a snapshot and cannot leave them', async () => {
    const asked: number[] = [];
    inLang(<Pager page={1} pages={3} onPage={(n) => asked.push(n)} />);
    const user = userEvent.setup();
    expect(screen.getByRole('button', { name: 'First' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Previous' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByText('Page 1 of 3')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Last' }));
    await user.type(screen.getByLabelText('Go to page'), '2');
    await user.click(screen.getByRole('button', { name: 'Go' }));
    // Past the last page the field is invalid (max), so the form is not sent.
    await user.type(screen.getByLabelText('Go to page'), '99');
    await user.click(screen.getByRole('button', { name: 'Go' }));
    expect(asked).toEqual([2, 3, 2]);
  });

  it('shows one page when there are no tokens', () => {
    inLang(<Pager page={1} pages={0} onPage={() => {}} />, 'es');
    expect(screen.getByText('Página 1 de 1')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Siguiente' }).hasAttribute('disabled')).toBe(true);
  });
});

describe('charts', () => {
  it('BarList draws each bar in proportion to the largest, with its number', () => {
    inLang(
      <BarList
        title="By flow"
        empty="None"
        bars={[
          { label: 'A', value: 10 },
          { label: 'B', value: 5 },
          { label: 'C', value: 0 },
        ]}
      />,
    );
    const rows = screen.getAllByRole('row');
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['A', 'B', 'C']);
    const widths = rows.map((r) => Number(r.querySelector('rect')?.getAttribute('width')));
    expect(widths).toEqual([100, 50, 0]);
    expect(rows.map((r) => r.lastElementChild?.textContent)).toEqual(['10', '5', '0']);
  });

  it('BarList says so when there is nothing', () => {
    inLang(<BarList title="By role" empty="None at all" bars={[]} />);
    expect(screen.getByText('None at all')).toBeTruthy();
  });

  it('Columns draws a column per value, labels every n-th, and lists the numbers for screen readers', () => {
    const columns = Array.from({ length: 30 }, (_, i) => ({ label: `d${i}`, title: `day ${i}`, value: i === 7 ? 40 : i % 3 }));
    inLang(<Columns title="Created per day" labelEvery={5} columns={columns} />);
    const svg = screen.getByRole('img', { name: 'Created per day' });
    const heights = [...svg.querySelectorAll('rect')].map((r) => Number(r.getAttribute('height')));
    expect(heights).toHaveLength(30);
    expect(Math.max(...heights)).toBe(heights[7]);
    expect(heights[0]).toBe(0);
    expect([...svg.querySelectorAll('text.axis')].map((t) => t.textContent)).toEqual(['d0', 'd5', 'd10', 'd15', 'd20', 'd25']);
    expect(screen.getByRole('rowheader', { name: 'day 7' }).nextElementSibling?.textContent).toBe('40');
  });
});

describe('ErrorMessage', () => {
  it('shows the server’s localized message and the fields it names', () => {
    const error = new TokenwardenError({
      status: 400,
      code: 3,
      message: 'page_params.page_size debe ser un número entero entre 1 y 100',
      details: [{ field: 'page_params.page_size', description: 'debe ser un número entero entre 1 y 100' }],
    });
    inLang(<ErrorMessage error={error} />, 'es');
    expect(screen.getByRole('alert').textContent).toContain('Algo salió mal');
    expect(screen.getByRole('alert').textContent).toContain('page_params.page_size debe ser');
    expect(screen.getByRole('listitem').textContent).toBe('page_params.page_size: debe ser un número entero entre 1 y 100');
  });

  it('words a failure with no answer itself, and offers a retry', async () => {
    let retried = 0;
    inLang(<ErrorMessage error={TokenwardenError.network(new Error('fetch failed'))} onRetry={() => retried++} />, 'es');
    expect(screen.getByRole('alert').textContent).toContain('El servidor no respondió');
    expect(screen.getByRole('alert').textContent).not.toContain('fetch failed');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Reintentar' }));
    expect(retried).toBe(1);
  });
});
