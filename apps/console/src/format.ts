/** How the console writes values: instants in UTC to the second (the exact value in a tooltip). */
export function formatInstant(rfc3339: string | null, zone = true): string {
  if (rfc3339 === null) return '';
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 19)}${zone ? ' UTC' : ''}`;
}

/** A UUID's first group, enough to tell tokens apart on a screen (the whole id is in the link and its title). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** An enum value without its protobuf prefix (GRANT_FLOW_LOGIN → LOGIN), for compact cells. */
export function enumTail(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

/** A duration in seconds as the largest two units (1 h 5 min), for "expires in". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0 s';
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}
