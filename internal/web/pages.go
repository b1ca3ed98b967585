package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// listMax bounds the lists of a page (institutions, units, plans,
// assessments): the demo and real institutions hold far fewer.
const listMax = 500

// idOf decodes the global ID in the path parameter name; false when it is
// not an ID of kind k.
func idOf(r *http.Request, name string, k gid.Kind) (int64, bool) {
	kind, id, ok := gid.Decode(r.PathValue(name))
	return id, ok && kind == k
}

// institutionOr404 reads the institution of the path, or answers the page
// and returns nil: 404 when it does not exist or the caller may not read
// it (the same to the caller).
func (h *Handler) institutionOr404(w http.ResponseWriter, r *http.Request) *store.Institution {
	id, ok := idOf(r, "id", gid.Institution)
	if !ok {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
		return nil
	}
	m, err := h.d.Orgs.InstitutionsByID(r.Context(), []int64{id})
	if err != nil {
		h.internal(w, r, err)
		return nil
	}
	in := m[id]
	if in == nil {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
	}
	return in
}

// ---------------------------------------------------------------- home

type assessmentLink struct {
	ID, Title, Status string
	StartDate         string
}

func linkOf(a *store.Assessment) assessmentLink {
	return assessmentLink{ID: gid.Encode(gid.Assessment, a.ID), Title: a.Title, Status: a.Status, StartDate: a.StartDate}
}

type homeInstitution struct {
	ID, Name string
	Drafts   []assessmentLink // drafts the user may fill
	Awaiting []assessmentLink // submitted ones the user may validate
}

type homeData struct {
	Institutions []homeInstitution
	Drafts       int
	Awaiting     int
}

// home lists the user's institutions and what waits for the user: the
// drafts it may fill and the assessments awaiting its validation.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	insts, _, _, err := h.d.Orgs.Institutions(ctx, "", store.Page{First: listMax})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	var d homeData
	draft, submitted := assessment.Draft, assessment.Submitted
	for _, in := range insts {
		hi := homeInstitution{ID: gid.Encode(gid.Institution, in.ID), Name: in.Name}
		if h.d.Guard.Can(ctx, in.ID, authz.EditAssessment) {
			as, _, _, err := h.d.Assessments.Assessments(ctx, in.ID, &draft, store.Page{First: listMax})
			if err != nil {
				h.internal(w, r, err)
				return
			}
			for i := range as {
				hi.Drafts = append(hi.Drafts, linkOf(&as[i]))
			}
		}
		if h.d.Guard.Can(ctx, in.ID, authz.ValidateAssessment) {
			as, _, _, err := h.d.Assessments.Assessments(ctx, in.ID, &submitted, store.Page{First: listMax})
			if err != nil {
				h.internal(w, r, err)
				return
			}
			for i := range as {
				hi.Awaiting = append(hi.Awaiting, linkOf(&as[i]))
			}
		}
		d.Drafts += len(hi.Drafts)
		d.Awaiting += len(hi.Awaiting)
		d.Institutions = append(d.Institutions, hi)
	}
	h.render(w, r, http.StatusOK, "home", "web.home.title", d)
}

// ---------------------------------------------------------------- institution

type unitRow struct {
	Name, Kind string
	FocalPoint *string
	Depth      int
}

type planRow struct {
	Title, Status, StartDate, EndDate string
}

type institutionData struct {
	ID, Name    string
	Acronym     *string
	Units       []unitRow
	Plans       []planRow
	Assessments []assessmentLink
	OpenFlags   int
	CanCreate   bool
}

// unitTree orders units as their tree, parents first, with their depth.
func unitTree(us []store.Unit) []unitRow {
	children := map[int64][]*store.Unit{}
	known := map[int64]bool{}
	for i := range us {
		known[us[i].ID] = true
	}
	var roots []*store.Unit
	for i := range us {
		u := &us[i]
		if u.ParentID == nil || !known[*u.ParentID] {
			roots = append(roots, u)
		} else {
			children[*u.ParentID] = append(children[*u.ParentID], u)
		}
	}
	var out []unitRow
	var walk func(u *store.Unit, depth int)
	walk = func(u *store.Unit, depth int) {
		out = append(out, unitRow{Name: u.Name, Kind: u.Kind, FocalPoint: u.GenderFocalPoint, Depth: min(depth, 4)})
		for _, c := range children[u.ID] {
			walk(c, depth+1)
		}
	}
	for _, u := range roots {
		walk(u, 0)
	}
	return out
}

func (h *Handler) institution(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := h.institutionOr404(w, r)
	if in == nil {
		return
	}
	units, _, _, err := h.d.Orgs.Units(ctx, in.ID, store.Page{First: listMax})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	plans, _, _, err := h.d.Plans.Plans(ctx, in.ID, nil, store.Page{First: listMax})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	as, _, _, err := h.d.Assessments.Assessments(ctx, in.ID, nil, store.Page{First: listMax, Desc: true})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	counts, err := h.d.Flags.NewMemo(gaps.Lang(ctx)).OpenCountsByInstitutions(ctx, []int64{in.ID})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := institutionData{ID: gid.Encode(gid.Institution, in.ID), Name: in.Name, Acronym: in.Acronym, Units: unitTree(units),
		OpenFlags: counts[in.ID].Open, CanCreate: h.d.Guard.Can(ctx, in.ID, authz.EditAssessment)}
	for _, p := range plans {
		d.Plans = append(d.Plans, planRow{Title: p.Title, Status: p.Status, StartDate: p.StartDate, EndDate: p.EndDate})
	}
	for i := range as {
		d.Assessments = append(d.Assessments, linkOf(&as[i]))
	}
	h.render(w, r, http.StatusOK, "institution", "web.institution.title", d, "Name", in.Name)
}

// ---------------------------------------------------------------- assessments

type assessmentRow struct {
	assessmentLink
	Questionnaire     string
	Answered, Total   int
	RequiredRemaining int
}

type questionnaireOption struct {
	Key, Title string
	Version    int
}

type createForm struct {
	QuestionnaireKey, Title, StartDate, EndDate string
	Errors                                      map[string][]string
	General                                     []string
}

type assessmentsData struct {
	InstitutionID, InstitutionName string
	Rows                           []assessmentRow
	CanCreate                      bool
	Questionnaires                 []questionnaireOption
	Form                           createForm
}

func (h *Handler) assessments(w http.ResponseWriter, r *http.Request) {
	h.assessmentsPage(w, r, http.StatusOK, nil)
}

// assessmentsPage lists an institution's assessments with their
// completion and, for who may start one, the form to do it.
func (h *Handler) assessmentsPage(w http.ResponseWriter, r *http.Request, status int, form *createForm) {
	ctx := r.Context()
	in := h.institutionOr404(w, r)
	if in == nil {
		return
	}
	as, _, _, err := h.d.Assessments.Assessments(ctx, in.ID, nil, store.Page{First: listMax, Desc: true})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	ids, qids := make([]int64, len(as)), make([]int64, len(as))
	for i, a := range as {
		ids[i], qids[i] = a.ID, a.QuestionnaireID
	}
	results, err := h.d.Assessments.ResultsOf(ctx, ids)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	qs, err := h.d.Assessments.QuestionnairesByID(ctx, qids)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := assessmentsData{InstitutionID: gid.Encode(gid.Institution, in.ID), InstitutionName: in.Name,
		CanCreate: h.d.Guard.Can(ctx, in.ID, authz.EditAssessment)}
	for i := range as {
		a := &as[i]
		row := assessmentRow{assessmentLink: linkOf(a)}
		if q := qs[a.QuestionnaireID]; q != nil {
			row.Questionnaire = q.In(ctx, q.Title)
			if res := results[a.ID]; res != nil {
				c := res.Completion(q)
				row.Answered, row.Total, row.RequiredRemaining = c.Answered, c.Total, len(c.RequiredMissing)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if d.CanCreate {
		all, err := h.d.Assessments.Questionnaires(ctx, false)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		for _, q := range all {
			d.Questionnaires = append(d.Questionnaires, questionnaireOption{Key: q.Key, Title: q.In(ctx, q.Title), Version: q.Version})
		}
		if form != nil {
			d.Form = *form
		} else {
			d.Form = createForm{StartDate: h.d.Now().UTC().Format(time.DateOnly)}
			if len(d.Questionnaires) > 0 {
				d.Form.QuestionnaireKey = d.Questionnaires[0].Key
			}
		}
	}
	h.render(w, r, status, "assessments", "web.assessments.title", d, "Name", in.Name)
}

// createAssessment starts an assessment (assessment.Service.Create); its
// errors are shown beside their fields.
func (h *Handler) createAssessment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
		return
	}
	instID, ok := idOf(r, "id", gid.Institution)
	if !ok {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
		return
	}
	f := createForm{QuestionnaireKey: r.PostForm.Get("questionnaire"), Title: r.PostForm.Get("title"),
		StartDate: r.PostForm.Get("startDate"), EndDate: r.PostForm.Get("endDate")}
	var end *string
	if strings.TrimSpace(f.EndDate) != "" {
		end = &f.EndDate
	}
	a, err := h.d.Assessments.Create(ctx, assessment.CreateInput{InstitutionID: instID, QuestionnaireKey: f.QuestionnaireKey,
		Title: f.Title, StartDate: f.StartDate, EndDate: end})
	if err != nil {
		u, isUser := errs.AsUser(err)
		if !isUser {
			h.refused(w, r, err)
			return
		}
		if slices.ContainsFunc(u, func(e errs.UserError) bool { return e.Code == errs.NotFound && fieldIs(e.Field, "institutionId") }) {
			h.fail(w, r, http.StatusNotFound, "web.error.notFound")
			return
		}
		lang := i18n.Lang(ctx)
		f.Errors = map[string][]string{}
		for _, e := range u {
			name := ""
			if len(e.Field) >= 2 {
				name = e.Field[1]
			}
			switch name {
			case "title", "startDate", "endDate":
			case "questionnaireKey", "questionnaireVersion":
				name = "questionnaire"
			default:
				f.General = append(f.General, e.Text(lang))
				continue
			}
			f.Errors[name] = append(f.Errors[name], e.Text(lang))
		}
		h.assessmentsPage(w, r, http.StatusUnprocessableEntity, &f)
		return
	}
	http.Redirect(w, r, "/assessments/"+gid.Encode(gid.Assessment, a.ID), http.StatusSeeOther)
}

// fieldIs reports whether a user error's field is input.<name>.
func fieldIs(field []string, name string) bool {
	return len(field) == 2 && field[0] == "input" && field[1] == name
}
