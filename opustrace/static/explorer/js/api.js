// The one way the explorer reads data: POST /graphql with the key from session storage.
const KEY = "opustrace.apiKey";

export function currentKey() {
  return sessionStorage.getItem(KEY) || "";
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export const stats = { requests: 0, graphqlMs: 0 };

// Answers {data, errors}: a field the key may not read comes back as an error beside the others' data.
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json" };
  const key = currentKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const started = performance.now();
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  stats.requests += 1;
  stats.graphqlMs += performance.now() - started;
  return { data: body.data || null, errors: body.errors || [] };
}

// A mutation taking one file, as a GraphQL multipart request (the spec's `operations` + `map` fields);
// the server refuses a multipart body from a key that may not upload before reading it, in the same shape.
export async function gqlUpload(query, variable, file) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: { [variable]: null } }));
  form.append("map", JSON.stringify({ 0: [`variables.${variable}`] }));
  form.append("0", file, file.name);
  const headers = {};
  const key = currentKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch("/graphql", { method: "POST", headers, body: form });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  return { data: body.data || null, errors: body.errors || [] };
}

export function codeOf(error) {
  return (error.extensions && error.extensions.code) || "ERROR";
}

// Errors on the given path prefix (e.g. "trace"), for "not visible with this key" notes.
export function errorsAt(errors, root) {
  return errors.filter((e) => (e.path || [])[0] === root);
}
