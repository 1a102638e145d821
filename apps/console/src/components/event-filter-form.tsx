import { DEFAULT_EVENT_PAGE_SIZE, describeViolation, EVENT_TYPES, type EventType } from '@tokenwarden/contracts';
import { cloneElement, type FormEvent, type ReactElement, useState } from 'react';
import { type EventsRequest, eventFilters, instantFieldValue, instantFromField, invalidEventFields } from '../events-query';
import { optionalText, type TextKey, useLang } from '../i18n';
import { FormActions, PageSizeField } from './form-parts';

const TEXT_FIELDS = ['actor_client_id', 'actor_user_id', 'actor_token_id', 'token_id'] as const;
type TextField = (typeof TEXT_FIELDS)[number];
const TIME_FIELDS = ['occurred_after', 'occurred_before'] as const;

/** The trail's filters (types, actor, token, time range in UTC) and page size; applying starts again from the newest event. */
export function EventFilterForm({ request, onApply }: { request: EventsRequest; onApply(next: EventsRequest): void }) {
  const { t, lang } = useLang();
  const [types, setTypes] = useState<readonly EventType[]>(request.type ?? []);
  const [text, setText] = useState<Partial<Record<TextField, string>>>(() => Object.fromEntries(TEXT_FIELDS.map((k) => [k, request[k] ?? ''])));
  const [times, setTimes] = useState(() => ({
    occurred_after: instantFieldValue(request.occurred_after),
    occurred_before: instantFieldValue(request.occurred_before),
  }));
  const [pageSize, setPageSize] = useState(request.page_size ?? DEFAULT_EVENT_PAGE_SIZE);
  const [invalid, setInvalid] = useState<string[]>([]);

  const compose = (): EventsRequest =>
    eventFilters({
      ...Object.fromEntries(TEXT_FIELDS.map((k) => [k, text[k]?.trim()])),
      type: EVENT_TYPES.filter((type) => types.includes(type)),
      occurred_after: instantFromField(times.occurred_after),
      occurred_before: instantFromField(times.occurred_before),
      page_size: pageSize,
    });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = compose();
    const problems = invalidEventFields(next);
    setInvalid(problems);
    if (problems.length === 0) onApply(next);
  };
  const clear = () => {
    setTypes([]);
    setText({});
    setTimes({ occurred_after: '', occurred_before: '' });
    setInvalid([]);
    onApply(pageSize === DEFAULT_EVENT_PAGE_SIZE ? {} : { page_size: pageSize });
  };
  const toggle = (type: EventType, on: boolean) => setTypes((ts) => (on ? [...ts, type] : ts.filter((x) => x !== type)));
  const errorOf = (field: string) => (invalid.includes(field) ? describeViolation({ field, reason: 'invalid' }, lang) : undefined);

  return (
    <form className="filters" onSubmit={submit} aria-label={t('activity.filters')} noValidate>
      <fieldset className="types">
        <legend>{t('event.type')}</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type} className="check">
            <input type="checkbox" name="type" value={type} checked={types.includes(type)} onChange={(e) => toggle(type, e.target.checked)} />
            {optionalText(lang, `value.${type}`) ?? type}
          </label>
        ))}
      </fieldset>
      {TEXT_FIELDS.map((key) => (
        <Field key={key} id={`event-${key}`} label={t(`field.${key}` as TextKey)} error={errorOf(key)}>
          <input
            type="text"
            name={key}
            spellCheck={false}
            autoComplete="off"
            value={text[key] ?? ''}
            onChange={(e) => setText((v) => ({ ...v, [key]: e.target.value }))}
          />
        </Field>
      ))}
      {TIME_FIELDS.map((key) => (
        <Field key={key} id={`event-${key}`} label={`${t(`field.${key}`)} (UTC)`} error={errorOf(key)}>
          <input type="datetime-local" name={key} step={1} value={times[key]} onChange={(e) => setTimes((v) => ({ ...v, [key]: e.target.value }))} />
        </Field>
      ))}
      <PageSizeField value={pageSize} onChange={setPageSize} />
      <FormActions onClear={clear} />
    </form>
  );
}

/** A labelled control with its error, the control given as the only child (its id and error wiring set here). */
function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  children: ReactElement<Record<string, unknown>>;
}) {
  const control = cloneElement(children, { id, ...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {}) });
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
