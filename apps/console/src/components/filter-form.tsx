import { describeViolation, MAX_PAGE_SIZE, ORDER_DIRECTIONS, ORDER_KEYS, type OrderDirection, type OrderKey } from '@tokenwarden/contracts';
import { type FormEvent, useState } from 'react';
import { instantFieldValue, instantFromField } from '../events-query';
import { FILTERS, type FilterControl } from '../filters';
import { optionalText, useLang } from '../i18n';
import { filtersOf, type ListState, validateFilters, withFilters } from '../list-query';
import { FormActions, PageSizeField } from './form-parts';


/** The filters, order and page size of the list; applying starts again at page 1 of the same snapshot. */
export function FilterForm({ state, onApply }: { state: ListState; onApply(next: ListState): void }) {
  const { t, lang } = useLang();
  const [filters, setFilters] = useState<Record<string, unknown>>(() => filtersOf(state));
  const [orderKey, setOrderKey] = useState<OrderKey>(state.order_params.order_key);
  const [direction, setDirection] = useState<OrderDirection>(state.order_params.order_direction);
  const [pageSize, setPageSize] = useState(state.page_params.page_size);
  const [invalid, setInvalid] = useState<string[]>([]);
  const label = (key: string) => optionalText(lang, `field.${key}`) ?? key;
  const valueLabel = (value: string) => optionalText(lang, `value.${value}`) ?? value;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problems = validateFilters(filters);
    setInvalid(problems);
    if (problems.length === 0) onApply(withFilters(state, filters, { order_key: orderKey, order_direction: direction }, pageSize));
  };
  const clear = () => {
    setFilters({});
    setInvalid([]);
    onApply(withFilters(state, {}, { order_key: orderKey, order_direction: direction }, pageSize));
  };
  const set = (key: string, value: unknown) => setFilters((f) => ({ ...f, [key]: value }));

  return (
    <form className="filters" onSubmit={submit} aria-label={t('list.filters')} noValidate>
      {FILTERS.map((control) => (
        <Field
          key={control.key}
          control={control}
          label={label(control.key)}
          value={filters[control.key]}
          onChange={(v) => set(control.key, v)}
          anyLabel={t('list.any')}
          valueLabel={valueLabel}
          error={invalid.includes(control.key) ? describeViolation({ field: control.key, reason: 'invalid' }, lang) : undefined}
        />
      ))}
      <label>
        {t('list.orderKey')}
        <select name="order_key" value={orderKey} onChange={(e) => setOrderKey(e.target.value as OrderKey)}>
          {ORDER_KEYS.map((k) => (
            <option key={k} value={k}>
              {optionalText(lang, `order.${k}`) ?? k}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('list.orderDirection')}
        <select name="order_direction" value={direction} onChange={(e) => setDirection(e.target.value as OrderDirection)}>
          {ORDER_DIRECTIONS.map((d) => (
            <option key={d} value={d}>
              {valueLabel(d)}
            </option>
          ))}
        </select>
      </label>
      <PageSizeField value={pageSize} onChange={(n) => setPageSize(Math.min(MAX_PAGE_SIZE, n))} />
      <FormActions onClear={clear} />
    </form>
  );
}

interface FieldProps {
  control: FilterControl;
  label: string;
  value: unknown;
  onChange(value: unknown): void;
  anyLabel: string;
  valueLabel(value: string): string;
  error: string | undefined;
}

function Field({ control, label, value, onChange, anyLabel, valueLabel, error }: FieldProps) {
  const id = `filter-${control.key}`;
  const described = error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
  let input: React.ReactNode;
  switch (control.kind) {
    case 'multi': {
      // Any of the values ticked (none: no filter), as a group of checkboxes with its own legend.
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      const toggle = (option: string, on: boolean) => {
        const next = control.options.filter((o) => (o === option ? on : chosen.includes(o)));
        onChange(next.length > 0 ? next : undefined);
      };
      return (
        <fieldset className="field multi" id={id} {...described}>
          <legend>{label}</legend>
          {control.options.map((o) => (
            <label key={o} className="check">
              <input type="checkbox" name={control.key} value={o} checked={chosen.includes(o)} onChange={(e) => toggle(o, e.target.checked)} />
              {valueLabel(o)}
            </label>
          ))}
          {error && (
            <span id={`${id}-error`} className="field-error">
              {error}
            </span>
          )}
        </fieldset>
      );
    }
    case 'instant':
      // An instant in UTC to the second, as the console writes every instant; sent as RFC 3339.
      input = (
        <input
          id={id}
          name={control.key}
          type="datetime-local"
          step={1}
          value={instantFieldValue(typeof value === 'string' ? value : undefined)}
          onChange={(e) => onChange(instantFromField(e.target.value))}
          {...described}
        />
      );
      break;
    case 'select':
      input = (
        <select id={id} name={control.key} value={String(value ?? '')} onChange={(e) => onChange(e.target.value || undefined)} {...described}>
          <option value="">{anyLabel}</option>
          {control.options.map((o) => (
            <option key={o} value={o}>
              {valueLabel(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'checkbox':
      input = (
        <input
          id={id}
          name={control.key}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked || undefined)}
          {...described}
        />
      );
      break;
    case 'number':
      input = (
        <input
          id={id}
          name={control.key}
          type="number"
          value={value === undefined ? '' : String(value)}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
          {...described}
        />
      );
      break;
    case 'text':
      input = (
        <input
          id={id}
          name={control.key}
          type="text"
          spellCheck={false}
          autoComplete="off"
          value={String(value ?? '')}
          onChange={(e) => onChange(e.target.value.trim() || undefined)}
          {...described}
        />
      );
      break;
  }
  return (
    <div className="field">
      <label htmlFor={id}>{control.kind === 'instant' ? `${label} (UTC)` : label}</label>
      {input}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
