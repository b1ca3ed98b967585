package app_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/demo"
)

const (
	evAttach = `mutation($s:ID!,$f:Upload!,$n:String){ attachEvidence(input:{subjectId:$s, file:$f, name:$n}){
		file{ id name contentType size sha256 uploadedBy{ email } uploadedAt downloadPath } userErrors{ code field message } } }`
	evRemove = `mutation($f:ID!){ removeEvidence(input:{fileId:$f}){ removedFileId userErrors{ code field message } } }`
)

// part is one file part of a multipart request.
type part struct {
	field, filename, contentType string
	content                      []byte
}

// multipartBody builds a GraphQL multipart request from raw operations and
// map parts and the file parts, in that order.
func multipartBody(ops, mapping string, files ...part) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if ops != "" {
		w.WriteField("operations", ops)
	}
	if mapping != "" {
		w.WriteField("map", mapping)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.filename))
		ct := f.contentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		pw, _ := w.CreatePart(h)
		pw.Write(f.content)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// postMultipart sends a multipart body to /graphql.
func (e *env) postMultipart(token string, body []byte, contentType string, header map[string]string) *resp {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return e.do(req)
}

// attach runs attachEvidence with one file, as the multipart specification
// sends it.
func (e *env) attach(token, subject, filename string, content []byte) *resp {
	e.t.Helper()
	ops, _ := json.Marshal(map[string]any{"query": evAttach, "variables": map[string]any{"s": subject, "f": nil}})
	body, ct := multipartBody(string(ops), `{"0":["variables.f"]}`, part{field: "0", filename: filename, content: content})
	return e.postMultipart(token, body, ct, nil)
}

// download fetches a file path with a bearer token.
func (e *env) download(token, path string) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// evWorld is asmNewWorld with a draft assessment holding one answer and an
// adopted plan with one progress update.
type evWorld struct {
	*asmWorld
	asm, response, plan, update string
}

func evNewWorld(t *testing.T, e *env) *evWorld {
	t.Helper()
	w := &evWorld{asmWorld: asmNewWorld(t, e)}
	w.asm = w.create(w.admin, "e2e-small", "Self-assessment")
	r := w.mustSave(w.admin, w.asm, map[string]any{"questionKey": "policy", "boolValue": true})
	w.response = r.Str("saveResponses.responses.0.id")
	w.plan = e.planMutate(w.admin, "createActionPlan", planCreate, map[string]any{"i": w.inst, "t": "Plan", "s": "2026-01-01", "e": "2027-12-31"}).Str("createActionPlan.plan.id")
	action := e.planMutate(w.admin, "createAction", planAction, map[string]any{"p": w.plan, "t": "Train", "k": "TRAINING"}).Str("createAction.action.id")
	e.planMutate(w.admin, "adoptActionPlan", planAdopt, map[string]any{"p": w.plan})
	w.update = e.planMutate(w.admin, "recordProgress", planProgress, map[string]any{"a": action, "s": "IN_PROGRESS", "p": 10}).Str("recordProgress.update.id")
	if w.response == "" || w.update == "" {
		t.Fatal("world not built")
	}
	return w
}

// fileCount is how many evidence files the database holds.
func (e *env) fileCount() int {
	e.t.Helper()
	var n int
	if err := e.srv.DB.NewRaw("SELECT COUNT(*) FROM evidence_files").Scan(e.t.Context(), &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) auditCount(op string) int {
	e.t.Helper()
	var n int
	if err := e.srv.DB.NewRaw("SELECT COUNT(*) FROM audit_events WHERE operation = ?", op).Scan(e.t.Context(), &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestEvidenceRoundTrip attaches files to a response and to a progress
// update over HTTP and downloads them back with the permissions of
// RULES.md sections 4, 7 and 11.
func TestEvidenceRoundTrip(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := evNewWorld(t, e)
		pdf := demo.PDF("Training attendance sheet")
		r := e.attach(w.tok["COMMITTEE_MEMBER"], w.response, "attendance.pdf", pdf).OK()
		if ue := r.UserErrors("attachEvidence"); len(ue) > 0 {
			t.Fatalf("attach: %v %s", ue, r.Raw)
		}
		f := r.Get("attachEvidence.file").(map[string]any)
		if f["name"] != "attendance.pdf" || f["contentType"] != "application/pdf" || f["size"] != float64(len(pdf)) || f["sha256"] != sha(pdf) ||
			f["uploadedBy"].(map[string]any)["email"] != "committee_member@police.example.org" || f["downloadPath"] != "/files/"+f["id"].(string) {
			t.Fatalf("attached file: %v", f)
		}
		path := f["downloadPath"].(string)

		// Listed on the response, for who reads its answers.
		q := e.gql(w.tok["AUDITOR"], `query($r:ID!){ node(id:$r){ ... on Response { files{ id name sha256 } } } }`, map[string]any{"r": w.response}).OK()
		if q.Str("node.files.0.id") != f["id"] || q.Len("node.files") != 1 {
			t.Fatalf("Response.files: %s", q.Raw)
		}
		if n := e.gql(w.tok["AUDITOR"], `query($f:ID!){ node(id:$f){ ... on EvidenceFile { name } } }`, map[string]any{"f": f["id"]}).OK(); n.Str("node.name") != "attendance.pdf" {
			t.Fatalf("node(EvidenceFile): %s", n.Raw)
		}

		res, body := e.download(w.tok["LEADERSHIP"], path)
		if res.StatusCode != 200 || !bytes.Equal(body, pdf) || sha(body) != f["sha256"] {
			t.Fatalf("download: %d, %d bytes", res.StatusCode, len(body))
		}
		for h, want := range map[string]string{
			"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox",
			"Content-Disposition":     `attachment; filename="attendance.pdf"; filename*=UTF-8''attendance.pdf`,
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("Cache-Control = %q", cc)
		}

		// A PARTNER never gets a response's evidence: the same 404 as an
		// unknown file, and nothing in the API either.
		unknown, ubody := e.download(w.tok["PARTNER"], "/files/RXZpZGVuY2VGaWxlOjk5OTk5")
		pres, pbody := e.download(w.tok["PARTNER"], path)
		if pres.StatusCode != 404 || unknown.StatusCode != 404 || string(pbody) != string(ubody) {
			t.Fatalf("PARTNER download: %d %q, unknown: %d %q", pres.StatusCode, pbody, unknown.StatusCode, ubody)
		}
		if anon, _ := e.download("", path); anon.StatusCode != 404 {
			t.Fatalf("anonymous download: %d", anon.StatusCode)
		}
		if bad, _ := e.download("not-a-token", path); bad.StatusCode != 401 {
			t.Fatalf("bad credential: %d", bad.StatusCode)
		}
		if other, _ := e.download(w.outside, path); other.StatusCode != 404 {
			t.Fatalf("another institution's member: %d", other.StatusCode)
		}
		if n := e.gql(w.tok["PARTNER"], `query($f:ID!){ node(id:$f){ id } }`, map[string]any{"f": f["id"]}).OK(); n.Get("node") != nil {
			t.Fatalf("PARTNER node(EvidenceFile): %s", n.Raw)
		}
		// A PARTNER may not attach to a response it may not read:
		// NOT_FOUND; a FOCAL_POINT reads it but may not attach: FORBIDDEN.
		if ue := e.attach(w.tok["PARTNER"], w.response, "a.pdf", pdf).OK().UserErrors("attachEvidence"); strings.Join(ue, " ") != "NOT_FOUND@input.subjectId" {
			t.Fatalf("PARTNER attach: %v", ue)
		}
		if fp := e.attach(w.tok["FOCAL_POINT"], w.response, "a.pdf", pdf); fp.Code() != "FORBIDDEN" {
			t.Fatalf("FOCAL_POINT attach to a response: %s", fp.Raw)
		}

		// A FOCAL_POINT attaches to a progress update, which a PARTNER
		// reads like the rest of the plan.
		png := demo.PNG(4, 3)
		u := e.attach(w.tok["FOCAL_POINT"], w.update, "photo.png", png).OK()
		if ue := u.UserErrors("attachEvidence"); len(ue) > 0 {
			t.Fatalf("FOCAL_POINT attach to an update: %v", ue)
		}
		upath := u.Str("attachEvidence.file.downloadPath")
		if res, body := e.download(w.tok["PARTNER"], upath); res.StatusCode != 200 || !bytes.Equal(body, png) || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("PARTNER download of an update's file: %d", res.StatusCode)
		}
		if l := e.gql(w.tok["PARTNER"], `query($u:ID!){ node(id:$u){ ... on ProgressUpdate { files{ name size } } } }`, map[string]any{"u": w.update}).OK(); l.Str("node.files.0.name") != "photo.png" {
			t.Fatalf("ProgressUpdate.files as PARTNER: %s", l.Raw)
		}
		if ue := e.attach(w.tok["LEADERSHIP"], w.update, "p.png", png); ue.Code() != "FORBIDDEN" {
			t.Fatalf("LEADERSHIP attach to an update: %s", ue.Raw)
		}

		// A name with a directory and odd characters is cleaned; the
		// download's filename* keeps the exact name.
		n := e.attach(w.tok["COORDINATOR"], w.response, `C:\docs\Procès-verbal "final".txt`, []byte("Réunion du comité, 3 mars.\n")).OK()
		if got := n.Str("attachEvidence.file.name"); got != `Procès-verbal "final".txt` {
			t.Fatalf("cleaned name: %q (%s)", got, n.Raw)
		}
		res, _ = e.download(w.tok["COORDINATOR"], n.Str("attachEvidence.file.downloadPath"))
		if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="Proc_s-verbal _final_.txt"; filename*=UTF-8''Proc%C3%A8s-verbal%20%22final%22.txt` ||
			res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("text download: %q %q", cd, res.Header.Get("Content-Type"))
		}
	}, withAdmin)
}

// TestEvidenceRefusals: a file over the limit, of a type outside the
// allow-list or whose extension lies is refused, and nothing is stored.
func TestEvidenceRefusals(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := evNewWorld(t, e)
		tok := w.tok["COMMITTEE_MEMBER"]
		big := append(demo.PDF("big"), bytes.Repeat([]byte("x"), 1<<20)...)
		if r := e.attach(tok, w.response, "big.pdf", big); r.Status != http.StatusRequestEntityTooLarge || r.Code() != "PAYLOAD_TOO_LARGE" || !strings.Contains(r.Errors[0].Message, "1 MB") {
			t.Fatalf("over the limit: %d %s", r.Status, r.Raw)
		}
		for _, c := range []struct {
			name    string
			content []byte
			want    string
		}{
			{"tool.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), "INVALID@input.file"},
			{"archive.zip", zipOf(t, map[string]string{"a.txt": "hello"}), "INVALID@input.file"},
			{"page.html", []byte("<html><script>alert(1)</script>\x00"), "INVALID@input.file"},
			{"report.pdf", demo.PNG(2, 2), "INVALID@input.file"},      // a PNG named .pdf
			{"notes.txt", demo.PDF("not text"), "INVALID@input.file"}, // a PDF named .txt
			{"sheet.xlsx", zipOf(t, map[string]string{"[Content_Types].xml": `<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`}), "INVALID@input.file"}, // a docx named .xlsx
			{"empty.txt", nil, "INVALID@input.file"},
		} {
			r := e.attach(tok, w.response, c.name, c.content).OK()
			if got := strings.Join(r.UserErrors("attachEvidence"), " "); got != c.want {
				t.Errorf("%s: %s, want %s (%s)", c.name, got, c.want, r.Raw)
			}
		}
		if n := e.fileCount(); n != 0 {
			t.Fatalf("%d files stored after refusals", n)
		}
		if n := e.auditCount("attachEvidence"); n != 0 {
			t.Fatalf("%d attachEvidence audit events after refusals", n)
		}
		// The zip-based documents of the allow-list pass.
		docx := zipOf(t, map[string]string{"[Content_Types].xml": `<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`})
		if r := e.attach(tok, w.response, "minutes.docx", docx).OK(); r.Str("attachEvidence.file.contentType") != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
			t.Fatalf("docx: %s", r.Raw)
		}
		if r := e.attach(tok, w.update, "figures", []byte("region,women\nNorth,12\n")).OK(); r.Str("attachEvidence.file.name") != "figures.txt" {
			t.Fatalf("a name without extension gets the type's: %s", r.Raw)
		}
	}, withAdmin, func(c *app.Config) { c.MaxFileMB = 1 })
}

// TestEvidenceRemoval: removing is for who may change the response or
// update, audited, and the file is gone.
func TestEvidenceRemoval(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := evNewWorld(t, e)
		pdf := demo.PDF("Circular")
		id := e.attach(w.tok["COMMITTEE_MEMBER"], w.response, "circular.pdf", pdf).OK().Str("attachEvidence.file.id")
		if r := e.gql(w.tok["FOCAL_POINT"], evRemove, map[string]any{"f": id}); r.Code() != "FORBIDDEN" {
			t.Fatalf("FOCAL_POINT removes a response's file: %s", r.Raw)
		}
		if ue := e.gql(w.tok["PARTNER"], evRemove, map[string]any{"f": id}).OK().UserErrors("removeEvidence"); strings.Join(ue, " ") != "NOT_FOUND@input.fileId" {
			t.Fatalf("PARTNER removes: %v", ue)
		}
		r := e.gql(w.tok["COORDINATOR"], evRemove, map[string]any{"f": id}).OK()
		if r.Str("removeEvidence.removedFileId") != id {
			t.Fatalf("remove: %s", r.Raw)
		}
		if res, _ := e.download(w.admin, "/files/"+id); res.StatusCode != 404 {
			t.Fatalf("download after removal: %d", res.StatusCode)
		}
		if n := e.fileCount(); n != 0 {
			t.Fatalf("%d files left", n)
		}
		a := e.gql(w.admin, `query($s:ID!){ auditEvents(filter:{subjectId:$s}, first:50){ edges{ node{ operation changes actor{ email } } } } }`, map[string]any{"s": w.response}).OK()
		var ops []string
		for _, ed := range a.Get("auditEvents.edges").([]any) {
			n := ed.(map[string]any)["node"].(map[string]any)
			ops = append(ops, n["operation"].(string))
			ch, _ := n["changes"].(string)
			if !strings.Contains(ch, sha(pdf)) || !strings.Contains(ch, "circular.pdf") || strings.Contains(ch, "%PDF") {
				t.Errorf("%s audit changes: %s", n["operation"], ch)
			}
		}
		if strings.Join(ops, " ") != "attachEvidence removeEvidence" && strings.Join(ops, " ") != "removeEvidence attachEvidence" {
			t.Fatalf("audit events: %v", ops)
		}
		if ue := e.gql(w.admin, evRemove, map[string]any{"f": id}).OK().UserErrors("removeEvidence"); strings.Join(ue, " ") != "NOT_FOUND@input.fileId" {
			t.Fatalf("second removal: %v", ue)
		}

		// A submitted assessment's files stay as they are; a FOCAL_POINT
		// removes a progress update's file.
		kept := e.attach(w.admin, w.response, "kept.pdf", pdf).OK().Str("attachEvidence.file.id")
		w.mustSave(w.admin, w.asm, asmAll()...)
		if s := e.gql(w.admin, asmSubmit, map[string]any{"a": w.asm}).OK(); len(s.UserErrors("submitAssessment")) > 0 {
			t.Fatalf("submit: %s", s.Raw)
		}
		if ue := e.gql(w.admin, evRemove, map[string]any{"f": kept}).OK().UserErrors("removeEvidence"); strings.Join(ue, " ") != "INVALID_STATE@input.fileId" {
			t.Fatalf("removal from a submitted assessment: %v", ue)
		}
		if ue := e.attach(w.admin, w.response, "late.pdf", pdf).OK().UserErrors("attachEvidence"); strings.Join(ue, " ") != "INVALID_STATE@input.subjectId" {
			t.Fatalf("attach to a submitted assessment: %v", ue)
		}
		uf := e.attach(w.tok["FOCAL_POINT"], w.update, "u.pdf", pdf).OK().Str("attachEvidence.file.id")
		if r := e.gql(w.tok["FOCAL_POINT"], evRemove, map[string]any{"f": uf}).OK(); r.Str("removeEvidence.removedFileId") != uf {
			t.Fatalf("FOCAL_POINT removes an update's file: %s", r.Raw)
		}
	}, withAdmin)
}

// TestEvidenceMultipartMalformed: requests that break the multipart
// specification get a clear 400 and change nothing.
func TestEvidenceMultipartMalformed(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := evNewWorld(t, e)
		tok := w.tok["COMMITTEE_MEMBER"]
		ops := func(vars map[string]any) string {
			b, _ := json.Marshal(map[string]any{"query": evAttach, "variables": vars})
			return string(b)
		}
		one := ops(map[string]any{"s": w.response, "f": nil})
		pdf := demo.PDF("x")
		file := func(name string) part { return part{field: name, filename: name + ".pdf", content: pdf} }
		cases := []struct {
			name, ops, mapping string
			files              []part
			status             int
			msg                string
		}{
			{"missing map", one, "", []part{file("0")}, 400, "map part here"},
			{"missing operations", "", `{"0":["variables.f"]}`, []part{file("0")}, 400, "operations part here"},
			{"bad operations JSON", `{"query":`, `{"0":["variables.f"]}`, []part{file("0")}, 400, "operations part is not a JSON object"},
			{"batch", "[" + one + "]", `{"0":["0.variables.f"]}`, []part{file("0")}, 400, "Batched operations"},
			{"bad map JSON", one, `["variables.f"]`, []part{file("0")}, 400, "map part is not a JSON object"},
			{"file referenced twice", one, `{"0":["variables.f","variables.n"]}`, []part{file("0")}, 400, "exactly one variable path"},
			{"path given two files", one, `{"0":["variables.f"],"1":["variables.f"]}`, []part{file("0"), file("1")}, 400, "more than one file"},
			{"too many files", ops(map[string]any{"s": w.response, "f": nil}), `{"0":["variables.f"],"1":["variables.a"],"2":["variables.b"],"3":["variables.c"],"4":["variables.d"],"5":["variables.e"]}`, nil, 400, "At most 5 files"},
			{"part sent twice", one, `{"0":["variables.f"]}`, []part{file("0"), file("0")}, 400, "sent twice"},
			{"part not in the map", one, `{"0":["variables.f"]}`, []part{file("0"), file("9")}, 400, "not in the map"},
			{"missing file", one, `{"0":["variables.f"]}`, nil, 400, "does not send"},
			{"path to no variable", one, `{"0":["variables.nothing"]}`, []part{file("0")}, 400, "names no null variable"},
			{"path outside variables", one, `{"0":["query"]}`, []part{file("0")}, 400, "names no null variable"},
		}
		for _, c := range cases {
			body, ct := multipartBody(c.ops, c.mapping, c.files...)
			r := e.postMultipart(tok, body, ct, nil)
			if r.Status != c.status || r.Code() != "BAD_REQUEST" || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, c.msg) {
				t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
			}
		}
		// A body that is no multipart at all.
		if r := e.postMultipart(tok, []byte("garbage"), "multipart/form-data; boundary=xyz", nil); r.Status != 400 || r.Code() != "BAD_REQUEST" {
			t.Errorf("garbage body: %d %s", r.Status, r.Raw)
		}
		if r := e.postMultipart(tok, []byte("garbage"), "multipart/form-data", nil); r.Status != 400 || r.Code() != "BAD_REQUEST" {
			t.Errorf("no boundary: %d %s", r.Status, r.Raw)
		}
		// In French too.
		body, ct := multipartBody(one, "", file("0"))
		if r := e.postMultipart(tok, body, ct, map[string]string{"Accept-Language": "fr"}); r.Status != 400 || !strings.Contains(r.Errors[0].Message, "partie map") {
			t.Errorf("French: %s", r.Raw)
		}
		// An ordinary JSON request's file variable is no file.
		if r := e.gql(tok, evAttach, map[string]any{"s": w.response, "f": "a string"}); len(r.Errors) == 0 || r.Code() == "INTERNAL_SERVER_ERROR" {
			t.Errorf("a string for Upload: %s", r.Raw)
		}
		if n := e.fileCount(); n != 0 {
			t.Fatalf("%d files stored", n)
		}
		// A JSON body keeps its 1 MiB limit.
		big := `{"query":"{ __typename }","variables":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
		if r := e.post(tok, []byte(big)); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a JSON body over 1 MiB: %d", r.Status)
		}
	}, withAdmin)
}

// TestEvidenceIdempotency: a multipart mutation with an Idempotency-Key
// is applied once; the key with another file is refused.
func TestEvidenceIdempotency(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := evNewWorld(t, e)
		tok := w.tok["COMMITTEE_MEMBER"]
		send := func(content []byte) *resp {
			ops, _ := json.Marshal(map[string]any{"query": evAttach, "variables": map[string]any{"s": w.response, "f": nil}})
			body, ct := multipartBody(string(ops), `{"0":["variables.f"]}`, part{field: "0", filename: "a.pdf", content: content})
			return e.postMultipart(tok, body, ct, map[string]string{"Idempotency-Key": "upload-1"})
		}
		first := send(demo.PDF("one")).OK()
		again := send(demo.PDF("one"))
		if string(again.Raw) != string(first.Raw) || again.Header("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %s\n%s", first.Raw, again.Raw)
		}
		if r := send(demo.PDF("two")); r.Code() != "IDEMPOTENCY_KEY_REUSED" {
			t.Fatalf("same key, other file: %s", r.Raw)
		}
		if n := e.fileCount(); n != 1 {
			t.Fatalf("%d files stored, want 1", n)
		}
	}, withAdmin)
}

// zipOf builds a zip archive of the named members.
func zipOf(t *testing.T, members map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range members {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// updateTarget makes, as admin, a progress update of an adopted plan of
// inst.
func updateTarget(f *fixture, inst string) string {
	_, a := planTarget(f, inst, "ADOPTED")
	return f.e.planMutate(f.admin, "recordProgress", planProgress, map[string]any{"a": a, "s": "IN_PROGRESS", "p": 10}).Str("recordProgress.update.id")
}

// responseTarget makes, as admin, a response of a draft assessment of inst.
func responseTarget(f *fixture, inst string) string {
	a := asmTarget(f, inst, "DRAFT")
	r := f.e.gql(f.admin, asmSave, map[string]any{"a": a, "r": []map[string]any{{"questionKey": "ok", "boolValue": true}}}).OK()
	return r.Str("saveResponses.responses.0.id")
}

// The evidence mutations' rows of the authorization matrix
// (TestAuthorizationMatrix in e2e_access_test.go), on a progress update;
// TestEvidenceResponseMatrix runs them on a response.
func init() {
	allowed["UpdateEvidence"] = allowed["RecordProgress"]
	matrix["attachEvidence"] = matrixOp{"UpdateEvidence", "attachEvidence", func(f *fixture, w who, inst string) *resp {
		return f.e.attach(w.token, updateTarget(f, inst), "sheet.pdf", demo.PDF("Attendance"))
	}}
	matrix["removeEvidence"] = matrixOp{"UpdateEvidence", "removeEvidence", func(f *fixture, w who, inst string) *resp {
		id := f.e.attach(f.admin, updateTarget(f, inst), "sheet.pdf", demo.PDF("Attendance")).OK().Str("attachEvidence.file.id")
		return f.e.gql(w.token, evRemove, map[string]any{"f": id})
	}}
}

// TestEvidenceResponseMatrix runs attachEvidence and removeEvidence on a
// response as every role, in its own institution, in another one, and
// without sign-in: ADMIN, COORDINATOR and COMMITTEE_MEMBER may; a PARTNER,
// who may not read answers, finds nothing (NOT_FOUND); the other roles
// read but may not change (FORBIDDEN).
func TestEvidenceResponseMatrix(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		ops := map[string]func(w who, inst string) *resp{
			"attachEvidence": func(w who, inst string) *resp {
				return e.attach(w.token, responseTarget(f, inst), "sheet.pdf", demo.PDF("Minutes"))
			},
			"removeEvidence": func(w who, inst string) *resp {
				id := e.attach(f.admin, responseTarget(f, inst), "sheet.pdf", demo.PDF("Minutes")).OK().Str("attachEvidence.file.id")
				return e.gql(w.token, evRemove, map[string]any{"f": id})
			},
		}
		for name, run := range ops {
			if got := outcome(run(who{}, f.a), name); got != "UNAUTHENTICATED" {
				t.Errorf("%s anonymously: %s", name, got)
			}
			for _, role := range roles {
				for _, own := range []bool{true, false} {
					inst := f.a
					if !own {
						inst = f.b
					}
					want := "FORBIDDEN"
					switch {
					case role == "ADMIN" || own && (role == "COORDINATOR" || role == "COMMITTEE_MEMBER"):
						want = "ok"
					case !own || role == "PARTNER":
						want = "NOT_FOUND"
					}
					if got := outcome(run(f.people[role], inst), name); got != want {
						t.Errorf("%s as %s (own institution %v): got %s, want %s", name, role, own, got, want)
					}
				}
			}
		}
	}, withAdmin)
}
