// Calls to leash from the console: the key from this tab's session storage as `Authorization: Bearer`, never a
// cookie (so no other site can make the browser send it), JSON in and out, problem+json turned into ApiError.

export const KEY_STORAGE = "leash.console.apiKey";

/** A failed call: the problem+json `code` and `detail` leash answered, or a network failure. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

export const storedKey = () => sessionStorage.getItem(KEY_STORAGE);

export async function callApi(method, path, body, { signal } = {}) {
  const key = storedKey();
  if (!key) throw new ApiError(401, "signed_out", "you are signed out; sign in with your key");
  const headers = { authorization: `Bearer ${key}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
      signal,
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, "network_error", `leash could not be reached (${error.message})`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code = typeof data?.code === "string" ? data.code : `http_${response.status}`;
    const detail = typeof data?.detail === "string" ? data.detail : response.statusText || "request failed";
    throw new ApiError(response.status, code, detail);
  }
  return data;
}

/** A query string from the fields that are set. */
export function query(fields) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
