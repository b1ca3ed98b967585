package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Evidence files on the area page: each answered question lists its files
// (download links to GET /files/{id}, which takes the session cookie) and,
// for who may change the answers while the assessment is a draft, a file
// input and remove buttons. The file inputs and remove buttons belong to
// small forms of their own after the area form (HTML forms do not nest;
// the form attribute ties each control to its form), so saving answers
// and sending a file stay apart, and both work without JavaScript:
// multipart POST, then a redirect back to the question (POST-redirect-GET),
// or the page again with the error beside the question.

// fileView is one evidence file as the page lists it.
type fileView struct {
	ID, Name, Path, Size string
	CanRemove            bool
}

// fileSize writes a size for people: bytes, KB or MB.
func fileSize(lang string, n int) string {
	switch {
	case n < 1024:
		return i18n.T(lang, "web.file.bytes", i18n.Data{"N": i18n.Int(lang, int64(n))})
	case n < 1<<20:
		return i18n.T(lang, "web.file.kb", i18n.Data{"N": i18n.Number(lang, strconv.FormatFloat(float64(n)/1024, 'f', 0, 64))})
	}
	return i18n.T(lang, "web.file.mb", i18n.Data{"N": i18n.Number(lang, strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64))})
}

// addFiles lists each answered question's files on d, and what the user
// may do with them.
func (h *Handler) addFiles(r *http.Request, d *areaData, inst int64) error {
	if !d.CanRead || h.d.Evidence == nil {
		return nil
	}
	ctx := r.Context()
	lang := i18n.Lang(ctx)
	var ids []int64
	for _, q := range d.Questions {
		if q.ResponseID > 0 {
			ids = append(ids, q.ResponseID)
		}
	}
	files, err := h.d.Evidence.ResponseFiles(ctx, ids)
	if err != nil {
		return err
	}
	d.CanChangeFiles = d.Editable && h.d.Guard.Can(ctx, inst, authz.ResponseEvidence)
	d.Accept, d.MaxMB = evidence.Accept, h.d.Evidence.MaxFile()>>20
	for i := range d.Questions {
		q := &d.Questions[i]
		q.CanAttach = d.CanChangeFiles && q.ResponseID > 0
		q.Files = q.Files[:0]
		for _, f := range files[q.ResponseID] {
			q.Files = append(q.Files, fileView{ID: f.GID(), Name: f.Name, Path: f.DownloadPath(), Size: fileSize(lang, f.Size), CanRemove: d.CanChangeFiles})
		}
	}
	return nil
}

// areaBack is the area page at the question key, with a notice.
func areaBack(r *http.Request, notice, key string) string {
	u := "/assessments/" + url.PathEscape(r.PathValue("id")) + "/areas/" + url.PathEscape(r.PathValue("area")) + "?file=" + notice
	if key != "" {
		u += "#q-" + key
	}
	return u
}

// fileProblem shows the area page again with msg beside the question key
// (or above the questions when key names none).
func (h *Handler) fileProblem(w http.ResponseWriter, r *http.Request, l *loaded, status int, key, msg string) {
	d, ok := h.areaData(w, r, l)
	if !ok {
		return
	}
	placed := false
	for i := range d.Questions {
		if d.Questions[i].Key == key {
			d.Questions[i].Errors = append(d.Questions[i].Errors, msg)
			placed = true
		}
	}
	if !placed {
		d.General = append(d.General, msg)
	}
	h.render(w, r, status, "area", "web.area.title", d, "Area", d.Title)
}

// attachFile attaches the file of a question's upload form to its answer
// (evidence.Service.Attach, which checks the role, the assessment's state,
// the size and the type).
func (h *Handler) attachFile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := i18n.Lang(ctx)
	perr := r.ParseMultipartForm(1 << 20) // beyond 1 MiB the parts go to temporary files
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	if perr != nil {
		var mbe *http.MaxBytesError
		if errors.As(perr, &mbe) {
			h.fileProblem(w, r, l, http.StatusRequestEntityTooLarge, "", i18n.T(lang, "web.file.tooLarge", i18n.Data{"MaxMB": h.d.Evidence.MaxFile() >> 20}))
			return
		}
		h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
		return
	}
	key := r.FormValue("question")
	d, ok := h.areaData(w, r, l)
	if !ok {
		return
	}
	var responseID int64
	found := false
	for _, q := range d.Questions {
		if q.Key == key {
			responseID, found = q.ResponseID, true
		}
	}
	if !found {
		h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
		return
	}
	fhs := r.MultipartForm.File["file"]
	switch {
	case len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "":
		h.fileProblem(w, r, l, http.StatusUnprocessableEntity, key, i18n.T(lang, "web.file.none"))
		return
	case responseID == 0 && d.CanRead:
		h.fileProblem(w, r, l, http.StatusUnprocessableEntity, key, i18n.T(lang, "web.file.answerFirst"))
		return
	}
	f, err := fhs[0].Open()
	if err != nil {
		h.internal(w, r, err)
		return
	}
	defer f.Close()
	if responseID == 0 {
		responseID = -1 // a caller who may not read the answers: the service says no
	}
	_, err = h.d.Evidence.Attach(ctx, evidence.AttachInput{Kind: gid.Response, SubjectID: responseID, Name: fhs[0].Filename, Content: f})
	if err != nil {
		h.fileRefused(w, r, l, key, err)
		return
	}
	http.Redirect(w, r, areaBack(r, "attached", key), http.StatusSeeOther)
}

// removeFile removes a file (evidence.Service.Remove, which checks the
// role and the assessment's state) and returns to its question.
func (h *Handler) removeFile(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
		return
	}
	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	key := r.PostForm.Get("question")
	k, id, ok := gid.Decode(r.PathValue("file"))
	if !ok || k != gid.EvidenceFile {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
		return
	}
	if _, err := h.d.Evidence.Remove(r.Context(), id); err != nil {
		h.fileRefused(w, r, l, key, err)
		return
	}
	http.Redirect(w, r, areaBack(r, "removed", key), http.StatusSeeOther)
}

// fileRefused shows a refused attach or remove: a user error beside its
// question, in the user's language; any other error as the pages do.
func (h *Handler) fileRefused(w http.ResponseWriter, r *http.Request, l *loaded, key string, err error) {
	u, ok := errs.AsUser(err)
	if !ok {
		h.refused(w, r, err)
		return
	}
	lang := i18n.Lang(r.Context())
	e := u[0] // one file, one problem
	msg := e.Text(lang)
	if e.Code == errs.InvalidState {
		msg = i18n.T(lang, "web.area.notDraft")
	}
	h.fileProblem(w, r, l, http.StatusUnprocessableEntity, key, msg)
}
