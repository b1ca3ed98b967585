package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

// httpTransport answers GraphQL over HTTP (GET for queries, POST with a
// JSON body) as the GraphQL-over-HTTP specification says:
//   - a request that is not well-formed (unreadable JSON, parameters of the
//     wrong type, no query) answers 400, and 415 for a body that is not JSON;
//   - a document that fails to parse, validate or meet the bounds answers
//     200 for application/json and 400 for application/graphql-response+json,
//     without a data entry, with at most Bounds.Errors errors;
//   - a mutation sent with GET answers 405.
//
// Every document is checked against the bounds before it is validated,
// once: the executor's query cache holds only documents that passed. A
// successful operation's answer is written without re-encoding its data:
// gqlgen's own writer passes the already encoded data through
// encoding/json again, three quarters of a cached plan page's cost.
type httpTransport struct {
	bounds Bounds
	// parsed is the executor's cache of validated documents.
	parsed graphql.Cache[*ast.QueryDocument]
	// idem applies mutations carrying an Idempotency-Key once.
	idem *idempotency
	// uploads bound multipart requests (graph/multipart.go); none are
	// taken when they are zero.
	uploads Uploads
}

var _ graphql.Transport = (*httpTransport)(nil)

// Supports takes every GET and POST; Do refuses what it cannot answer.
func (t *httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

// requestError is a request that is not well-formed, with its HTTP status
// and the ID of the message that says why.
type requestError struct {
	status int
	id     string
	args   i18n.Data
	// code is extensions.code; BAD_REQUEST when empty.
	code string
}

// Do answers one request.
func (t *httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	ctx := r.Context()
	ct := responseType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", ct)
	var body []byte
	var params *graphql.RawParams
	var rerr *requestError
	if r.Method == http.MethodGet {
		params, rerr = getParams(r.URL.RawQuery)
	} else if isMultipart(r) {
		var cleanup func()
		body, params, cleanup, rerr = multipartParams(r, t.uploads)
		defer cleanup()
	} else {
		body, params, rerr = postParams(r)
	}
	if rerr != nil {
		code := rerr.code
		if code == "" {
			code = "BAD_REQUEST"
		}
		t.refuse(ctx, w, exec, rerr.status, gqlerror.List{limitError(code, rerr.id, rerr.args)})
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	// A request error (parse, validation, bounds, variables): 200 for
	// application/json, 400 for application/graphql-response+json.
	docStatus := http.StatusOK
	if ct == graphqlResponse {
		docStatus = http.StatusBadRequest
	}
	if params.Query != "" {
		if _, known := t.parsed.Get(ctx, params.Query); !known {
			if err := checkShape(params.Query, t.bounds); err != nil {
				t.refuse(ctx, w, exec, docStatus, gqlerror.List{err})
				return
			}
		}
	}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		t.refuse(graphql.WithOperationContext(ctx, oc), w, exec, docStatus, errs)
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		t.refuse(ctx, w, exec, http.StatusMethodNotAllowed, gqlerror.List{limitError("BAD_REQUEST", "error.request.mutationGET", nil)})
		return
	}
	var claim *claim
	if key := r.Header.Get(IdempotencyHeader); key != "" && oc.Operation.Operation == ast.Mutation && t.idem != nil {
		var replay *stored
		var gerr *gqlerror.Error
		ctx, claim, replay, gerr = t.idem.begin(ctx, key, body)
		switch {
		case gerr != nil:
			t.refuse(ctx, w, exec, idemStatus(gerr), gqlerror.List{gerr})
			return
		case replay != nil:
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(replay.Status)
			w.Write(replay.Body)
			return
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{}
	}
	resp.Errors = capErrors(ctx, resp.Errors, t.bounds.Errors)
	status := http.StatusOK
	if hasCode(resp.Errors, "SERVICE_UNAVAILABLE") {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	if claim == nil {
		// Written as it is: a copy of a page's data would cost as much
		// as the data.
		w.WriteHeader(status)
		writeResponse(w, resp, true)
		return
	}
	var out bytes.Buffer
	out.Grow(len(resp.Data) + 256)
	writeResponse(&out, resp, true)
	t.idem.finish(context.WithoutCancel(ctx), claim, status, out.Bytes(), resp, oc)
	w.WriteHeader(status)
	w.Write(out.Bytes())
}

// refuse answers a request that does not run: the errors presented as
// every error is, capped, without a data entry.
func (t *httpTransport) refuse(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, status int, errs gqlerror.List) {
	resp := exec.DispatchError(ctx, capErrors(ctx, errs, t.bounds.Errors))
	if hasCode(resp.Errors, "SERVICE_UNAVAILABLE") {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	writeResponse(w, resp, false)
}

func hasCode(errs gqlerror.List, code string) bool {
	for _, e := range errs {
		if c, _ := e.Extensions["code"].(string); c == code {
			return true
		}
	}
	return false
}

// rawParams is a request's parameters as sent, so that each one's JSON
// type can be checked.
type rawParams struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

func postParams(r *http.Request) ([]byte, *graphql.RawParams, *requestError) {
	mt, opts, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || (opts["charset"] != "" && !strings.EqualFold(opts["charset"], "utf-8")) {
		return nil, nil, &requestError{status: http.StatusUnsupportedMediaType, id: "error.request.json"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, &requestError{status: http.StatusBadRequest, id: "error.request.body"}
	}
	var raw rawParams
	if err := json.Unmarshal(body, &raw); err != nil {
		return body, nil, &requestError{status: http.StatusBadRequest, id: "error.request.notObject"}
	}
	p, rerr := decodeParams(raw)
	return body, p, rerr
}

// isMultipart reports whether r is a multipart/form-data request (the
// GraphQL multipart request specification).
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

func getParams(rawQuery string) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, &requestError{status: http.StatusBadRequest, id: "error.request.queryString"}
	}
	var raw rawParams
	str := func(name string) json.RawMessage {
		if !q.Has(name) {
			return nil
		}
		b, _ := json.Marshal(q.Get(name))
		return b
	}
	raw.Query, raw.OperationName = str("query"), str("operationName")
	raw.Variables, raw.Extensions = json.RawMessage(q.Get("variables")), json.RawMessage(q.Get("extensions"))
	return decodeParams(raw)
}

// decodeParams checks each parameter's JSON type: query a string (absent
// only for a persisted query), operationName a string or null, variables
// and extensions objects or null.
func decodeParams(raw rawParams) (*graphql.RawParams, *requestError) {
	p := &graphql.RawParams{}
	bad := func(msg string) (*graphql.RawParams, *requestError) {
		return nil, &requestError{status: http.StatusBadRequest, id: msg}
	}
	if !isNull(raw.Query) {
		if err := json.Unmarshal(raw.Query, &p.Query); err != nil {
			return bad("error.request.query")
		}
	}
	if !isNull(raw.OperationName) {
		if err := json.Unmarshal(raw.OperationName, &p.OperationName); err != nil {
			return bad("error.request.operationName")
		}
	}
	if !isNull(raw.Variables) {
		if err := decodeObject(raw.Variables, &p.Variables); err != nil {
			return bad("error.request.variables")
		}
	}
	if !isNull(raw.Extensions) {
		if err := decodeObject(raw.Extensions, &p.Extensions); err != nil {
			return bad("error.request.extensions")
		}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return bad("error.request.noQuery")
	}
	return p, nil
}

func isNull(b json.RawMessage) bool {
	s := bytes.TrimSpace(b)
	return len(s) == 0 || string(s) == "null"
}

// decodeObject reads a JSON object keeping numbers as their text
// (json.Number), so that a Decimal sent as a number is read exactly.
func decodeObject(b json.RawMessage, dst *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return err
	}
	if m == nil || dec.More() {
		return errNotObject
	}
	*dst = m
	return nil
}

var errNotObject = &gqlerror.Error{Message: "not a JSON object"}

const graphqlResponse = "application/graphql-response+json"

// responseType chooses the answer's media type from the Accept header:
// application/json unless the client asks for
// application/graphql-response+json first (or names neither).
func responseType(accept string) string {
	const plain = "application/json"
	if accept == "" {
		return plain
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", plain:
			return plain
		case graphqlResponse:
			return graphqlResponse
		}
	}
	return graphqlResponse
}

// writeResponse writes resp as JSON, its data (compact JSON produced by
// the executor) as it is. withData writes the data entry, null when there
// is none; a request that never ran has none.
func writeResponse(w io.Writer, resp *graphql.Response, withData bool) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		b, _ := json.Marshal(resp) // incremental delivery: rare, the general way
		w.Write(b)
		return
	}
	// The data is written as it is, between what comes before and after
	// it, never copied.
	head := make([]byte, 0, 64)
	head = append(head, '{')
	sep := ""
	if len(resp.Errors) > 0 {
		b, _ := json.Marshal(resp.Errors)
		head = append(append(head, `"errors":`...), b...)
		sep = ","
	}
	if withData {
		head = append(head, sep+`"data":`...)
		if resp.Data == nil {
			head = append(head, "null"...)
		} else {
			w.Write(head)
			w.Write(resp.Data)
			head = head[:0]
		}
		sep = ","
	}
	if len(resp.Extensions) > 0 {
		b, _ := json.Marshal(resp.Extensions)
		head = append(append(head, sep+`"extensions":`...), b...)
	}
	w.Write(append(head, '}'))
}
