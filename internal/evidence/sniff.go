package evidence

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is one type of file the service keeps: its media type and the
// extensions a file of that type may have (the first is added to a name
// without one).
type kind struct {
	mediaType  string
	extensions []string
}

// The allow-list of RULES.md section 7: PDF, PNG, JPEG, WebP, plain text,
// CSV, OpenDocument and Office Open XML documents.
var (
	kindPDF  = kind{"application/pdf", []string{".pdf"}}
	kindPNG  = kind{"image/png", []string{".png"}}
	kindJPEG = kind{"image/jpeg", []string{".jpg", ".jpeg"}}
	kindWebP = kind{"image/webp", []string{".webp"}}
	kindText = kind{"text/plain; charset=utf-8", []string{".txt", ".text", ".md", ".log"}}
	kindCSV  = kind{"text/csv; charset=utf-8", []string{".csv"}}
	kindDOCX = kind{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}}
	kindXLSX = kind{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}}
	kindPPTX = kind{"application/vnd.openxmlformats-officedocument.presentationml.presentation", []string{".pptx"}}
	kindODT  = kind{"application/vnd.oasis.opendocument.text", []string{".odt"}}
	kindODS  = kind{"application/vnd.oasis.opendocument.spreadsheet", []string{".ods"}}
	kindODP  = kind{"application/vnd.oasis.opendocument.presentation", []string{".odp"}}
)

// ooxmlMain maps the content type of an Office Open XML package's main
// part, as [Content_Types].xml declares it, to the document kind.
// Macro-enabled documents (.docm, .xlsm) declare other types and are
// refused.
var ooxmlMain = map[string]kind{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":   kindDOCX,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":         kindXLSX,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": kindPPTX,
}

var odfKinds = map[string]kind{kindODT.mediaType: kindODT, kindODS.mediaType: kindODS, kindODP.mediaType: kindODP}

// sniff reads the type of b from its content alone; ok is false for a
// type outside the allow-list. ext (lower case, with its dot) only tells
// CSV from plain text, which the content cannot.
func sniff(b []byte, ext string) (kind, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return kindPDF, true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return kindPNG, true
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return kindJPEG, true
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return kindWebP, true
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return sniffZip(b)
	case isText(b):
		if ext == ".csv" {
			return kindCSV, true
		}
		return kindText, true
	}
	return kind{}, false
}

// maxPart bounds what is read of one member of a zip-based document.
const maxPart = 1 << 20

// sniffZip tells an OpenDocument (its first member "mimetype") or an
// Office Open XML document ([Content_Types].xml naming the main part) from
// any other zip archive, which is refused.
func sniffZip(b []byte) (kind, bool) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) == 0 {
		return kind{}, false
	}
	read := func(f *zip.File) (string, bool) {
		if f.UncompressedSize64 > maxPart {
			return "", false
		}
		rc, err := f.Open()
		if err != nil {
			return "", false
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, maxPart))
		return string(data), err == nil
	}
	if first := zr.File[0]; first.Name == "mimetype" {
		mt, ok := read(first)
		if k, known := odfKinds[strings.TrimSpace(mt)]; ok && known {
			return k, true
		}
		return kind{}, false
	}
	for _, f := range zr.File {
		if f.Name != "[Content_Types].xml" {
			continue
		}
		ct, ok := read(f)
		if !ok {
			return kind{}, false
		}
		for main, k := range ooxmlMain {
			if strings.Contains(ct, `ContentType="`+main+`"`) {
				return k, true
			}
		}
		return kind{}, false
	}
	return kind{}, false
}

// isText reports whether b is UTF-8 text: valid, without NUL or other
// control characters than tab, line feed, form feed and carriage return.
// An empty file is not text (nor anything else).
func isText(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			continue
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// maxName bounds a stored name, in characters.
const maxName = 200

// cleanName is the name the file is stored under: the last element of
// what the client sent (no directory, of either slash), without control
// characters, with outer spaces and dots trimmed, at most maxName
// characters (the extension kept); "evidence" when nothing is left.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if r := []rune(name); len(r) > maxName {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = strings.TrimRight(string(r[:maxName-len(ext)]), " .") + string(ext)
	}
	if name == "" {
		name = "evidence"
	}
	return name
}

// extension is the lower-case extension of name, with its dot.
func extension(name string) string { return strings.ToLower(path.Ext(name)) }

// Accept is the allow-list as the accept attribute of a file input: a
// hint for the browser's file picker; the content decides.
const Accept = ".pdf,.png,.jpg,.jpeg,.webp,.txt,.csv,.docx,.xlsx,.pptx,.odt,.ods,.odp,application/pdf,image/png,image/jpeg,image/webp,text/plain,text/csv"
