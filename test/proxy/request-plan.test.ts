import { describe, expect, it } from "vitest";
import { planBody, planHead } from "../../src/proxy/request-plan.ts";

const head = (query: string, headers: Record<string, string> = {}, method = "POST", hasBody = false) =>
  planHead({ method, query, headers, hasBody });

const multipart = (name: string, boundary = "XyZ") =>
  Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; ${name}\r\n\r\nDELETE\r\n--${boundary}--\r\n`,
  );

describe("method overrides in the query", () => {
  it("refuses every key a framework reads as _method", () => {
    for (const query of [
      "?_method=DELETE",
      "_method=DELETE",
      "?a=1&_method=DELETE",
      "?a=1;_method=DELETE",
      "?a=1; _method=DELETE",
      "?%5Fmethod=DELETE",
      "?%5fmethod=DELETE",
      "?.method=DELETE",
      "?%2Emethod=DELETE",
      "?+method=DELETE",
      "?%20method=DELETE",
      "?[method=DELETE",
      "?%5Bmethod=DELETE",
      "?_method[]=DELETE",
      "?_method[x]=DELETE",
      "?_method%00junk=DELETE",
      "?_METHOD=DELETE",
      "?_method",
      "?_method=",
      // Flask's documented middleware, Salesforce's REST API, and the override headers' names as parameters.
      "?__METHOD_OVERRIDE__=DELETE",
      "?.%5FMETHOD_OVERRIDE__=DELETE",
      "?_HttpMethod=DELETE",
      "?x-http-method-override=DELETE",
      "?X_HTTP_METHOD=DELETE",
      "?x-method-override=DELETE",
    ]) {
      const plan = head(query);
      expect(plan.refuse?.code, query).toBe("method_override_refused");
      expect(plan.refuse?.status, query).toBe(400);
    }
  });

  it("lets other keys through", () => {
    for (const query of [
      "",
      "?",
      "?method=DELETE",
      "?x_method=1",
      "?_methods=1",
      "?a=_method",
      "?__method=1",
      "?httpmethod=GET",
      "?x-http-method-overrides=1",
    ]) {
      expect(head(query).refuse, query).toBeUndefined();
    }
  });
});

describe("method overrides in headers", () => {
  it("refuses every spelling of the override headers", () => {
    for (const name of [
      "x-http-method-override",
      "x_http_method_override",
      "x-http_method-override",
      "x-http-method",
      "x_http_method",
      "x-method-override",
      "x_method_override",
    ]) {
      expect(head("", { [name]: "DELETE" }).refuse?.code, name).toBe("method_override_refused");
    }
    expect(head("", { "x-http-method-overrides": "x", "x-trace_id": "1" }).refuse).toBeUndefined();
  });
});

describe("bodies a framework parses into parameters", () => {
  it("are read first: forms, multipart, JSON, and a POST without Content-Type", () => {
    const kind = (contentType: string | undefined, method = "POST") =>
      planHead({
        method,
        query: "",
        headers: contentType === undefined ? {} : { "content-type": contentType },
        hasBody: true,
      }).inspectBody;
    expect(kind(undefined)).toEqual(["form"]);
    expect(kind("application/x-www-form-urlencoded")).toEqual(["form"]);
    expect(kind(" Application/X-WWW-Form-Urlencoded ; charset=utf-8")).toEqual(["form"]);
    expect(kind("multipart/form-data; boundary=x")).toEqual(["multipart"]);
    expect(kind("multipart/mixed; boundary=x")).toEqual(["multipart"]);
    expect(kind("application/json")).toEqual(["json"]);
    expect(kind("application/vnd.api+json")).toEqual(["json"]);
    expect(kind("text/json")).toEqual(["json"]);
    expect(kind("application/octet-stream")).toBeUndefined();
    expect(kind("text/plain")).toBeUndefined();
    // Rack and PHP cut the type at ","; PHP at a space too.
    expect(kind("application/x-www-form-urlencoded, text/plain")).toEqual(["form"]);
    expect(kind("application/x-www-form-urlencoded x")).toEqual(["form"]);
    expect(kind("application/x-www-form-urlencoded\tx")).toEqual(["form"]);
    expect(kind("multipart/form-data,text/plain; boundary=x")).toEqual(["multipart"]);
    // Laravel reads JSON wherever the header mentions it; a form it names too is read both ways.
    expect(kind('text/plain; profile="/json"')).toEqual(["json"]);
    expect(kind("application/x-www-form-urlencoded; p=+json")).toEqual(["form", "json"]);
    expect(kind("text/plain, application/x-www-form-urlencoded")).toBeUndefined();
    expect(planHead({ method: "POST", query: "", headers: {}, hasBody: false }).inspectBody).toBeUndefined();
  });

  it("refuses a compressed body it would have to read", () => {
    const plan = planHead({
      method: "POST",
      query: "",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-encoding": "gzip" },
      hasBody: true,
    });
    expect(plan.refuse?.status).toBe(415);
  });

  it("refuses _method in forms under every spelling", () => {
    for (const body of [
      "_method=DELETE",
      "a=1&_method=DELETE",
      "a=1;_method=DELETE",
      ".method=DELETE",
      "+method=DELETE",
      "[method=DELETE",
      "%5Fmethod=DELETE",
      "_method[]=DELETE",
    ]) {
      expect(planBody(["form"], "application/x-www-form-urlencoded", Buffer.from(body))?.code, body).toBe(
        "method_override_refused",
      );
    }
    expect(planBody(["form"], undefined, Buffer.from("name=backup&method=fast"))).toBeUndefined();
  });

  it("refuses _method in multipart field names under every spelling", () => {
    const type = "multipart/form-data; boundary=XyZ";
    for (const name of [
      'name="_method"',
      "name=_method",
      'NAME = "_method"',
      'name=".method"',
      'name=" method"',
      'name="[method"',
      'name="_method[]"',
      "name*=utf-8''%5Fmethod",
      'filename="a.txt"; name="_method"',
    ]) {
      expect(planBody(["multipart"], type, multipart(name))?.code, name).toBe("method_override_refused");
    }
    // A header folded onto a second line, and a part another parser might see without the boundary.
    const folded = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data;\r\n name="_method"\r\n\r\nDELETE\r\n--XyZ--',
    );
    expect(planBody(["multipart"], type, folded)?.code).toBe("method_override_refused");
    const stray = Buffer.from('garbage\ncontent-disposition: form-data; name="_method"\n\nDELETE');
    expect(planBody(["multipart"], type, stray)?.code).toBe("method_override_refused");
    expect(planBody(["multipart"], type, multipart('name="note"'))).toBeUndefined();
  });

  it("refuses multipart it cannot read like the upstream", () => {
    expect(planBody(["multipart"], "multipart/form-data", multipart('name="x"'))?.code).toBe(
      "unreadable_body",
    );
    expect(
      planBody(
        ["multipart"],
        "multipart/form-data; boundary=XyZ",
        multipart('name="=?utf-8?B?X21ldGhvZA==?="'),
      )?.code,
    ).toBe("unreadable_body");
  });

  it("refuses _method as a JSON member (Laravel reads it), and JSON it cannot parse", () => {
    for (const body of ['{"_method":"DELETE"}', '{"a":1,"_method":"DELETE"}', '{"\\u005fmethod":"DELETE"}']) {
      expect(planBody(["json"], "application/json", Buffer.from(body))?.code, body).toBe(
        "method_override_refused",
      );
    }
    expect(planBody(["json"], "application/json", Buffer.from('{"name":"b","method":"x"}'))).toBeUndefined();
    expect(planBody(["json"], "application/json", Buffer.from("[1,2]"))).toBeUndefined();
    expect(planBody(["json"], "application/json", Buffer.from("{'_method': 1}"))?.code).toBe(
      "unreadable_body",
    );
  });

  it("reads a body every way a framework would: an override any reading finds is refused", () => {
    const both = "application/x-www-form-urlencoded; p=+json";
    expect(planBody(["form", "json"], both, Buffer.from('{"_method":"DELETE"}'))?.code).toBe(
      "method_override_refused",
    );
    expect(planBody(["form", "json"], both, Buffer.from("_method=DELETE"))?.code).toBe(
      "method_override_refused",
    );
    expect(planBody(["form", "json"], both, Buffer.from("a=1"))?.code).toBe("unreadable_body");
    expect(planBody(["form", "json"], both, Buffer.from('{"a":1}'))).toBeUndefined();
  });

  it("refuses a body in a charset the upstream might decode differently", () => {
    expect(
      planBody(["form"], "application/x-www-form-urlencoded; charset=utf-16", Buffer.from("a=1"))?.code,
    ).toBe("unreadable_body");
    expect(
      planBody(["form"], "application/x-www-form-urlencoded; charset=UTF-8", Buffer.from("a=1")),
    ).toBeUndefined();
    // Parsers that split at every ";" and parsers that read quoted strings, or keep the first or the last of a
    // repeated parameter, would decode it differently.
    for (const contentType of [
      'application/json; x="a;charset=utf-8;"; charset=utf-7',
      'application/json; x="\\";charset=utf-8;"; charset=utf-7',
      "application/json; charset=utf-8; charset=utf-7",
      "application/json; charset=utf-8; CHARSET=utf-16",
    ]) {
      expect(planBody(["json"], contentType, Buffer.from("{}"))?.code, contentType).toBe("unreadable_body");
    }
    for (const contentType of [
      'application/json; x="a;b"; charset=utf-8',
      "application/json; charset=UTF-8; charset=utf-8",
    ]) {
      expect(planBody(["json"], contentType, Buffer.from("{}")), contentType).toBeUndefined();
    }
    expect(
      planBody(["multipart"], 'multipart/form-data; x="a;boundary=b;"; boundary=c', Buffer.from("--c--"))
        ?.code,
    ).toBe("unreadable_body");
  });
});
