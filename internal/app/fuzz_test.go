package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
)

// FuzzGraphQLHandler sends documents and variables to the HTTP handler of
// a real server on SQLite, signed in as ADMIN, and checks that whatever
// arrives is answered as the client's problem or served: never a 5xx,
// never INTERNAL_SERVER_ERROR, always JSON. Its seeds are the attack
// documents and malformed values; `go test` runs them, and .ci/run fuzzes
// for a short while.
func FuzzGraphQLHandler(f *testing.F) {
	for _, a := range attacks() {
		f.Add(a.query, `{}`)
	}
	seeds := [][2]string{
		{`query($d:Date!){ __typename }`, `{"d":"0000-00-00"}`},
		{`mutation($i:ID!,$d:Date){ updateAction(input:{actionId:$i, expectedVersion:1, dueDate:$d}){ userErrors{ code field } } }`, `{"i":"QWN0aW9uOjE","d":"2026-02-30"}`},
		{`mutation($i:ID!,$a:Decimal!){ addResourceRequirement(input:{actionId:$i, kind:BUDGET, description:"x", amountRequired:$a, currency:"EUR"}){ userErrors{ code field } } }`, `{"i":"QWN0aW9uOjE","a":1e400}`},
		{`mutation($n:String!){ createInstitution(input:{name:$n, sector:POLICE, country:"ml"}){ userErrors{ code field } } }`, `{"n":"a\u0000b"}`},
		{`{ node(id:"VW5pdDowMQ"){ id } }`, `{}`},
		{`{ institutions(first: 501) { totalCount } }`, `{}`},
		{`{ institutions(search: "%_%\\") { totalCount } }`, `null`},
		{`query Q { __typename } query R { __typename }`, `[]`},
		{`{ __schema { types { name } } }`, `"x"`},
		{`mutation { logout { ok } }`, `{"a":{"b":[1,2,{"c":null}]}}`},
		{`{`, `{`},
		// Multipart seeds: each input is also sent as a multipart request
		// whose map part is vars and whose file part holds query.
		{`mutation($f:Upload!){ attachEvidence(input:{subjectId:"UmVzcG9uc2U6MQ", file:$f}){ userErrors{ code field } } }`, `{"0":["variables.f"]}`},
		{`%PDF-1.4 not really`, `{"0":["variables.input.file"],"1":["variables.input.file"]}`},
		{`PK\x03\x04`, `{"0":["variables"]}`},
		{`mutation($f:[Upload!]!){ __typename }`, `{"0":["variables.f.0"],"1":["variables.f.-1"]}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	cfg := app.Defaults()
	cfg.DB = "sqlite:" + filepath.Join(f.TempDir(), "fuzz.db")
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	srv, err := app.NewServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	login, _ := json.Marshal(map[string]any{"query": `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token } }`,
		"variables": map[string]any{"e": adminEmail, "p": adminPassword}})
	var out struct {
		Data struct{ Login struct{ Token string } }
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/graphql", strings.NewReader(string(login)))
	req.Header.Set("Content-Type", "application/json")
	srv.Handler.ServeHTTP(rec, req)
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Data.Login.Token == "" {
		f.Fatalf("sign-in: %s", rec.Body.String())
	}
	token := out.Data.Login.Token

	f.Fuzz(func(t *testing.T, query, vars string) {
		params := map[string]any{"query": query}
		if json.Valid([]byte(vars)) {
			params["variables"] = json.RawMessage(vars)
		} else {
			params["variables"] = vars
		}
		body, _ := json.Marshal(params)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		srv.Handler.ServeHTTP(rec, req)
		check(t, rec, query, vars)

		// The same input as a GraphQL multipart request: the JSON body as
		// operations (with a null f and input.file to fill), vars as the
		// map, and query as the bytes of two file parts.
		ops, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"f": nil, "input": map[string]any{"file": nil}}})
		var mb bytes.Buffer
		mw := multipart.NewWriter(&mb)
		mw.WriteField("operations", string(ops))
		mw.WriteField("map", vars)
		for _, name := range []string{"0", "1"} {
			fw, _ := mw.CreateFormFile(name, name+".pdf")
			fw.Write([]byte(query))
		}
		mw.Close()
		rec = httptest.NewRecorder()
		req = httptest.NewRequest("POST", "/graphql", bytes.NewReader(mb.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		srv.Handler.ServeHTTP(rec, req)
		check(t, rec, query, vars)
		// And cut short anywhere.
		if n := len(query) % (mb.Len() + 1); n < mb.Len() {
			rec = httptest.NewRecorder()
			req = httptest.NewRequest("POST", "/graphql", bytes.NewReader(mb.Bytes()[:n]))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+token)
			srv.Handler.ServeHTTP(rec, req)
			check(t, rec, query, vars)
		}
	})
}

// check fails the fuzz test on an answer that is not the client's problem
// or served: a 5xx, an answer that is not JSON, an error without a client
// code.
func check(t *testing.T, rec *httptest.ResponseRecorder, query, vars string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("HTTP %d for %q %q: %.500s", rec.Code, query, vars, rec.Body.String())
	}
	if rec.Code == http.StatusRequestEntityTooLarge {
		return
	}
	var answer struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatalf("not JSON (HTTP %d) for %q %q: %.500s", rec.Code, query, vars, rec.Body.String())
	}
	for _, e := range answer.Errors {
		if e.Extensions["code"] == "INTERNAL_SERVER_ERROR" || e.Extensions["code"] == nil {
			t.Fatalf("an error without a client code for %q %q: %.500s", query, vars, rec.Body.String())
		}
	}
}
