package web_test

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// upload posts a file with the question's upload form, as a browser
// without JavaScript does.
func (b *browser) upload(path, question, filename string, content []byte) page {
	b.s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("question", question)
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(content)
	w.Close()
	req, _ := http.NewRequest("POST", b.s.URL+path, &body)
	for k, v := range b.header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", b.s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := b.c.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Body: string(data), Header: res.Header}
}

var (
	areaHref = regexp.MustCompile(`href="(/assessments/[A-Za-z0-9_-]+/areas/[a-z0-9-]+)"`)
	fileHref = regexp.MustCompile(`<a href="(/files/[A-Za-z0-9_-]+)" download>([^<]*)</a>`)
)

// TestAreaEvidenceFiles attaches, lists, downloads and removes evidence
// files through the area page, without a browser and without JavaScript,
// with the roles of RULES.md section 4.
func TestAreaEvidenceFiles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		t.Parallel()
		s := startSite(t, dsn)
		committee := s.signIn("committee@demo.gendertrack.org", "en")
		ids := findIDs(t, committee)
		const question = "gbv-standard-operating-procedures"
		// The area of the demo question with files.
		var area string
		for _, m := range areaHref.FindAllStringSubmatch(committee.get("/assessments/"+ids.followUp).Body, -1) {
			if strings.Contains(committee.get(m[1]).Body, `id="files-`+question+`"`) {
				area = m[1]
				break
			}
		}
		if area == "" {
			t.Fatal("no area page lists the demo's evidence files")
		}
		p := committee.get(area)
		must(t, p, 200, "Circular 2025-117 (GBV procedure).pdf", `form="up-`+question+`"`, `id="up-`+question+`"`, `enctype="multipart/form-data"`, "Evidence files", "at most 10 MB")
		links := fileHref.FindAllStringSubmatch(p.Body, -1)
		if len(links) == 0 {
			t.Fatal("no download link")
		}
		// The download takes the session cookie.
		dl := committee.get(links[0][1])
		if dl.Status != 200 || !strings.HasPrefix(dl.Body, "%PDF-") || dl.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment;") || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %v", dl.Status, dl.Header)
		}

		// Attach: POST, redirect to the question, the file listed.
		up := committee.upload(area+"/files", question, "Station visit notes.txt", []byte("Visited 4 stations; the circular is on the desk in 3.\n"))
		if up.Status != http.StatusSeeOther || up.Location() != area+"?file=attached#q-"+question {
			t.Fatalf("upload: %d %q\n%s", up.Status, up.Location(), up.Body)
		}
		p = committee.get(up.Location())
		must(t, p, 200, "The file is attached.", "Station visit notes.txt")
		var notes string
		for _, m := range fileHref.FindAllStringSubmatch(p.Body, -1) {
			if html.UnescapeString(m[2]) == "Station visit notes.txt" {
				notes = m[1]
			}
		}
		if dl := committee.get(notes); dl.Status != 200 || !strings.HasPrefix(dl.Body, "Visited 4 stations") {
			t.Fatalf("download of the new file: %d", dl.Status)
		}

		// Refused files: the error beside the question, in the user's
		// language, nothing stored.
		fr := s.signIn("coordinator@demo.gendertrack.org", "fr")
		fr.post("/language", url.Values{"lang": {"fr"}, "back": {"/"}})
		bad := fr.upload(area+"/files", question, "rapport.pdf", demo.PNG(3, 3))
		must(t, bad, http.StatusUnprocessableEntity, "Le nom du fichier se termine par .pdf")
		if i, j := strings.Index(bad.Body, `id="err-`+question+`"`), strings.Index(bad.Body, "Le nom du fichier se termine par .pdf"); i < 0 || j < i || j-i > 400 {
			t.Fatalf("the error is not beside its question\n%s", bad.Body)
		}
		exe := committee.upload(area+"/files", question, "tool.exe", []byte("MZ\x90\x00\x03\x00"))
		must(t, exe, http.StatusUnprocessableEntity, "This type of file is not accepted")
		none := committee.upload(area+"/files", question, "", nil)
		must(t, none, http.StatusUnprocessableEntity, "Choose a file to attach first.")
		if n := len(fileHref.FindAllStringSubmatch(committee.get(area).Body, -1)); n != len(links)+1 {
			t.Fatalf("%d files listed, want %d", n, len(links)+1)
		}

		// Roles: a focal point reads the files but may not change them;
		// a partner sees none and gets 404.
		focal := s.signIn("focalpoint@demo.gendertrack.org", "en")
		fp := focal.get(area)
		must(t, fp, 200, "Station visit notes.txt")
		mustNot(t, fp, `type="file"`, `id="remove-`, "/remove")
		if f := focal.upload(area+"/files", question, "x.txt", []byte("x\n")); f.Status != http.StatusForbidden {
			t.Fatalf("focal point upload: %d", f.Status)
		}
		partner := s.signIn("partner@demo.gendertrack.org", "en")
		mustNot(t, partner.get(area), "Station visit notes.txt", "/files/")
		if p := partner.get(notes); p.Status != 404 {
			t.Fatalf("partner download: %d", p.Status)
		}

		// Remove: POST, redirect, gone.
		id := strings.TrimPrefix(notes, "/files/")
		rm := committee.post(area+"/files/"+id+"/remove", url.Values{"question": {question}})
		if rm.Status != http.StatusSeeOther || rm.Location() != area+"?file=removed#q-"+question {
			t.Fatalf("remove: %d %q\n%s", rm.Status, rm.Location(), rm.Body)
		}
		p = committee.get(rm.Location())
		must(t, p, 200, "The file is removed.")
		mustNot(t, p, "Station visit notes.txt")
		if g := committee.get(notes); g.Status != 404 {
			t.Fatalf("download after removal: %d", g.Status)
		}
		// Cross-origin uploads are refused like every post.
		req, _ := http.NewRequest("POST", s.URL+area+"/files", strings.NewReader(""))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := committee.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site upload: %d", res.StatusCode)
		}
	})
}
