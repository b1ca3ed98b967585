package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gid"
)

// PDF is a valid one-page PDF showing text (ASCII; other characters are
// dropped), built by hand: the demo's evidence files, small and made at
// load time, need no PDF library.
func PDF(text string) []byte {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '(' || r == ')' || r == '\\' {
			return -1
		}
		return r
	}, text)
	stream := "BT /F1 18 Tf 72 720 Td (" + clean + ") Tj ET"
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// PNG is a w×h picture in the demo's colours (a bar chart of sorts),
// encoded as PNG.
func PNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			c := color.RGBA{0xf4, 0xf1, 0xea, 0xff}
			if y >= h-(x*h)/max(w, 1) {
				c = color.RGBA{0x5b, 0x2a, 0x86, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// demoFile is one evidence file of the demo data set.
type demoFile struct {
	question, name string
	content        func() []byte
}

// responseFiles are the evidence files of the police's answers, attached
// while each assessment is a draft.
func responseFiles(followUp bool) []demoFile {
	if followUp {
		return []demoFile{
			{"gbv-standard-operating-procedures", "Circular 2025-117 (GBV procedure).pdf", func() []byte { return PDF("Circular 2025-117 of 14 November 2025 - handling of GBV reports") }},
			{"private-interview-rooms", "Interview room, 4th District station.png", func() []byte { return PNG(48, 32) }},
		}
	}
	return []demoFile{
		{"gbv-standard-operating-procedures", "Draft SOP v0.3 (2024).pdf", func() []byte { return PDF("Draft SOP on the handling of GBV reports, v0.3 (2024)") }},
	}
}

// attachResponseFiles attaches the demo's files to the answers of an
// assessment (a draft) that the demo just saved.
func attachResponseFiles(ctx context.Context, s Services, assessmentID int64, files []demoFile) error {
	if s.Evidence == nil {
		return nil
	}
	for _, f := range files {
		var id int64
		if err := s.DB.NewRaw("SELECT id FROM responses WHERE assessment_id = ? AND question_key = ?", assessmentID, f.question).Scan(ctx, &id); err != nil {
			return fmt.Errorf("evidence file %q: %w", f.name, err)
		}
		if _, err := s.Evidence.Attach(ctx, evidence.AttachInput{Kind: gid.Response, SubjectID: id, Name: f.name, Content: bytes.NewReader(f.content())}); err != nil {
			return fmt.Errorf("evidence file %q: %w", f.name, err)
		}
	}
	return nil
}

// attachUpdateFile attaches a photo or a report to a progress update.
func attachUpdateFile(ctx context.Context, s Services, updateID int64, n int) error {
	if s.Evidence == nil {
		return nil
	}
	name, content := fmt.Sprintf("Attendance sheet %d.pdf", n), PDF(fmt.Sprintf("Attendance sheet %d - signed by the trainers", n))
	if n%2 == 0 {
		name, content = fmt.Sprintf("Photo %d.png", n), PNG(40, 30)
	}
	_, err := s.Evidence.Attach(ctx, evidence.AttachInput{Kind: gid.ProgressUpdate, SubjectID: updateID, Name: name, Content: bytes.NewReader(content)})
	return err
}
