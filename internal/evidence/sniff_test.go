package evidence

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

func zipped(t *testing.T, first string, members map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	write := func(name, content string) {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(content))
	}
	if first != "" {
		write("mimetype", first)
	}
	for n, c := range members {
		write(n, c)
	}
	w.Close()
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	ct := func(main string) string {
		return `<?xml version="1.0"?><Types><Override PartName="/x.xml" ContentType="` + main + `"/></Types>`
	}
	for _, c := range []struct {
		name    string
		content []byte
		ext     string
		want    string // "" refused
	}{
		{"pdf", []byte("%PDF-1.7\n..."), ".pdf", kindPDF.mediaType},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), ".png", kindPNG.mediaType},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, ".jpg", kindJPEG.mediaType},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), ".webp", kindWebP.mediaType},
		{"text", []byte("Réunion du comité\r\n\tpoint 1\n"), ".txt", kindText.mediaType},
		{"csv", []byte("a,b\n1,2\n"), ".csv", kindCSV.mediaType},
		{"odt", zipped(t, kindODT.mediaType, map[string]string{"content.xml": "<x/>"}), ".odt", kindODT.mediaType},
		{"ods", zipped(t, kindODS.mediaType, nil), ".ods", kindODS.mediaType},
		{"docx", zipped(t, "", map[string]string{"[Content_Types].xml": ct("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")}), ".docx", kindDOCX.mediaType},
		{"xlsx", zipped(t, "", map[string]string{"[Content_Types].xml": ct("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")}), ".xlsx", kindXLSX.mediaType},
		{"docm", zipped(t, "", map[string]string{"[Content_Types].xml": ct("application/vnd.ms-word.document.macroEnabled.main+xml")}), ".docm", ""},
		{"plain zip", zipped(t, "", map[string]string{"a.txt": "hi"}), ".zip", ""},
		{"epub-like", zipped(t, "application/epub+zip", nil), ".epub", ""},
		{"broken zip", []byte("PK\x03\x04garbage"), ".docx", ""},
		{"exe", []byte("MZ\x90\x00"), ".exe", ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00"), ".gif", ""},
		{"svg", []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>\x00"), ".svg", ""},
		{"latin-1 text", []byte("caf\xe9"), ".txt", ""},
		{"control bytes", []byte("abc\x1bdef"), ".txt", ""},
		{"empty", nil, ".txt", ""},
	} {
		k, ok := sniff(c.content, c.ext)
		if got := map[bool]string{true: k.mediaType}[ok]; got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":                      "report.pdf",
		`C:\Users\a\Desktop\notes.txt`:    "notes.txt",
		"../../etc/passwd":                "passwd",
		"  .hidden. ":                     "hidden",
		"a\x00b\nc\u202e.pdf":             "ab c.pdf",
		"":                                "evidence",
		"...":                             "evidence",
		"tab\there.txt":                   "tab here.txt",
		strings.Repeat("é", 300) + ".pdf": strings.Repeat("é", 196) + ".pdf",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":         `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		`Procès "v2".pdf`:    `attachment; filename="Proc_s _v2_.pdf"; filename*=UTF-8''Proc%C3%A8s%20%22v2%22.pdf`,
		"a;b=c:d%e\\f'g.txt": `attachment; filename="a;b=c:d_e_f'g.txt"; filename*=UTF-8''a%3Bb%3Dc%3Ad%25e%5Cf%27g.txt`,
	} {
		if got := ContentDisposition(in); got != want {
			t.Errorf("ContentDisposition(%q) =\n %s, want\n %s", in, got, want)
		}
	}
}
