// The values parsers give one parameter of a Content-Type (charset, boundary), so a body is read only when they agree.

/**
 * Every value some parser takes for the parameter `name` of a header value like Content-Type (lower-cased names,
 * values unquoted; undefined where it is absent). Parsers differ: some split at every ";", quotes or not, others read
 * RFC 9110 quoted strings (`x="a;charset=utf-8;"` holds no charset); some keep the first of a repeated parameter,
 * others the last. One value means they all agree.
 */
export function parameterReadings(headerValue: string, name: string): Set<string | undefined> {
  const wanted = name.toLowerCase();
  const readings = new Set<string | undefined>();
  for (const parameters of [splitEverywhere(headerValue), splitOutsideQuotes(headerValue)]) {
    const values = parameters.filter((p) => p.name === wanted).map((p) => p.value);
    readings.add(values[0]);
    readings.add(values.at(-1));
  }
  return readings;
}

interface Parameter {
  name: string;
  value: string;
}

/** Each ";"-separated part after the media type, quotes ignored: how naive parsers read it. */
function splitEverywhere(headerValue: string): Parameter[] {
  const parameters: Parameter[] = [];
  for (const part of headerValue.split(";").slice(1)) {
    const at = part.indexOf("=");
    if (at === -1) continue;
    parameters.push({
      name: part.slice(0, at).trim().toLowerCase(),
      value: unquote(part.slice(at + 1).trim()),
    });
  }
  return parameters;
}

/** The parameters as RFC 9110 reads them: a quoted string (with `\` escapes) may hold ";" and "=". */
function splitOutsideQuotes(headerValue: string): Parameter[] {
  const parameters: Parameter[] = [];
  let at = headerValue.indexOf(";");
  while (at !== -1 && at < headerValue.length) {
    const equals = headerValue.indexOf("=", at + 1);
    const next = headerValue.indexOf(";", at + 1);
    if (equals === -1 || (next !== -1 && next < equals)) {
      at = next;
      continue;
    }
    const name = headerValue
      .slice(at + 1, equals)
      .trim()
      .toLowerCase();
    let i = equals + 1;
    while (headerValue[i] === " " || headerValue[i] === "\t") i++;
    let value = "";
    if (headerValue[i] === '"') {
      for (i++; i < headerValue.length && headerValue[i] !== '"'; i++) {
        if (headerValue[i] === "\\" && i + 1 < headerValue.length) i++;
        value += headerValue[i];
      }
      at = headerValue.indexOf(";", i);
    } else {
      const end = headerValue.indexOf(";", i);
      value = headerValue.slice(i, end === -1 ? undefined : end).trim();
      at = end;
    }
    parameters.push({ name, value });
  }
  return parameters;
}

function unquote(value: string): string {
  return value.startsWith('"')
    ? value.slice(1, value.endsWith('"') && value.length > 1 ? -1 : undefined)
    : value;
}

/**
 * The one value every parser gives the parameter (`fold` lower-cases it first, for case-insensitive values like
 * charset); `ambiguous` when they disagree.
 */
export function agreedParameter(
  headerValue: string,
  name: string,
  fold = false,
): { ambiguous: false; value: string | undefined } | { ambiguous: true } {
  const readings = new Set(
    [...parameterReadings(headerValue, name)].map((v) => (fold ? v?.toLowerCase() : v)),
  );
  return readings.size === 1 ? { ambiguous: false, value: [...readings][0] } : { ambiguous: true };
}
