package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/questionnaire"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Scale sizes a generated data set.
type Scale struct {
	Name              string
	Institutions      int
	UnitsPer          int
	Assessments       int // per institution
	Questions         int // per questionnaire
	Plans             int // per institution: closed, adopted, draft, … in turn
	ActionsPer        int // per plan
	ObjectivesPer     int // per plan
	ResourcesPer      int // per action
	MeasurementsPer   int // per indicator
	UpdatesPer        int // per action
	DisseminationsPer int // per adopted or closed plan
}

// Scales are the sizes `gendertrack seed --scale` knows.
var Scales = map[string]Scale{
	"small": {Name: "small", Institutions: 3, UnitsPer: 30, Assessments: 2, Questions: 70, Plans: 3, ActionsPer: 40, ObjectivesPer: 5,
		ResourcesPer: 3, MeasurementsPer: 6, UpdatesPer: 8, DisseminationsPer: 10},
	"large": {Name: "large", Institutions: 30, UnitsPer: 150, Assessments: 3, Questions: 70, Plans: 3, ActionsPer: 300, ObjectivesPer: 12,
		ResourcesPer: 3, MeasurementsPer: 6, UpdatesPer: 8, DisseminationsPer: 40},
	"xlarge": {Name: "xlarge", Institutions: 300, UnitsPer: 150, Assessments: 3, Questions: 70, Plans: 3, ActionsPer: 300, ObjectivesPer: 12,
		ResourcesPer: 3, MeasurementsPer: 6, UpdatesPer: 8, DisseminationsPer: 40},
}

// SeedPassword is the password of every generated account.
const SeedPassword = "bench-password"

// SeedAdmin is the generated ADMIN account.
const SeedAdmin = "admin@bench.gendertrack.org"

// SeedCoordinator is the email of the generated coordinator of institution i (1-based).
func SeedCoordinator(i int) string { return fmt.Sprintf("coordinator-%d@bench.gendertrack.org", i) }

// SeedStats counts what Seed wrote.
type SeedStats struct {
	Institutions, Units, Assessments, Responses, Findings, Plans, Actions, Resources, Indicators, Measurements, Updates, Disseminations, Flags, FlagStates int
}

// Seed fills an empty database with a deterministic, realistic data set of
// the given scale: the same scale always gives the same data. Rows are
// written in batches of multi-row inserts, not one at a time.
func Seed(ctx context.Context, db *store.DB, accounts *account.Service, flags *gaps.Service, sc Scale, today time.Time) (SeedStats, error) {
	var st SeedStats
	n, err := db.NewSelect().Table("institutions").Count(ctx)
	if err != nil {
		return st, err
	}
	if n > 0 {
		return st, fmt.Errorf("the database already holds %d institution(s); seed an empty one", n)
	}
	ctx = authz.System(ctx)
	r := rand.New(rand.NewPCG(20261127, uint64(sc.Institutions)))
	now := today.UTC()
	q, qrow, err := seedQuestionnaire(ctx, db, sc.Questions, now)
	if err != nil {
		return st, err
	}
	if _, err := accounts.AddUser(ctx, SeedAdmin, "Benchmark Admin", SeedPassword, authz.RoleAdmin, 0); err != nil {
		return st, err
	}
	// One hash for every generated account keeps seeding fast; each account
	// still signs in with SeedPassword.
	hash, err := auth.HashPassword(SeedPassword)
	if err != nil {
		return st, err
	}
	partners := make([]store.Partner, 12)
	for i := range partners {
		partners[i] = store.Partner{Name: fmt.Sprintf("Partner %02d", i+1), Kind: []string{"UN_AGENCY", "NGO", "BILATERAL_DONOR", "INTERNATIONAL_ORGANISATION"}[i%4], Version: 1, CreatedAt: now}
	}
	if err := insert(ctx, db, &partners); err != nil {
		return st, err
	}
	for i := 1; i <= sc.Institutions; i++ {
		if err := seedInstitution(ctx, db, r, sc, i, q, qrow, partners, hash, now, &st); err != nil {
			return st, fmt.Errorf("institution %d: %w", i, err)
		}
	}
	if _, err := db.NewUpdate().Table("authz_state").Set("version = version + 1").Where("id = 1").Exec(ctx); err != nil {
		return st, err
	}
	// Flag states: every flag is seen once (which records its first
	// sighting), then committees acknowledge some and dismiss a few,
	// written in bulk.
	for i := 1; i <= sc.Institutions; i++ {
		id := int64(i)
		fs, err := flags.List(ctx, gaps.Filter{InstitutionID: &id}, "en")
		if err != nil {
			return st, fmt.Errorf("flags of institution %d: %w", i, err)
		}
		byState := map[string][]string{}
		for k, f := range fs {
			key, _, ok := gaps.ParseID(f.ID)
			if !ok {
				continue // a MANUAL flag
			}
			switch k % 20 {
			case 3, 7:
				byState["ACKNOWLEDGED"] = append(byState["ACKNOWLEDGED"], key.String())
			case 11:
				byState["DISMISSED"] = append(byState["DISMISSED"], key.String())
			}
		}
		for state, keys := range byState {
			if _, err := db.NewUpdate().Table("gap_flags").Set("state = ?", state).Set("note = ?", "Reviewed by the gender committee.").
				Where("institution_id = ?", id).Where("flag_key IN (?)", bun.List(keys)).Exec(ctx); err != nil {
				return st, fmt.Errorf("flag states: %w", err)
			}
			st.FlagStates += len(keys)
		}
		st.Flags += len(fs)
	}
	// The rows above bypass the audited services: advance the data
	// version so that no running server keeps answers from before them.
	if _, err := db.ExecContext(ctx, "UPDATE data_revision SET revision = revision + 1 WHERE id = 1"); err != nil {
		return st, err
	}
	// Fresh planner statistics: without them the first queries plan
	// against empty tables (sequential scans over bulk-loaded rows).
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return st, err
	}
	return st, nil
}

// insert writes rows in batches of 1,000, reading back their ids.
func insert[T any](ctx context.Context, db bun.IDB, rows *[]T) error {
	all := *rows
	for start := 0; start < len(all); start += 1000 {
		end := min(start+1000, len(all))
		chunk := all[start:end]
		if _, err := db.NewInsert().Model(&chunk).Returning("id").Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// insertNoID writes rows without ids (link tables) in batches.
func insertNoID[T any](ctx context.Context, db bun.IDB, rows []T) error {
	for start := 0; start < len(rows); start += 1000 {
		chunk := rows[start:min(start+1000, len(rows))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// seedQuestionnaire stores a generated questionnaire of n questions over
// six areas, mixing every kind, with gaps on most scored questions.
func seedQuestionnaire(ctx context.Context, db *store.DB, n int, now time.Time) (*questionnaire.Questionnaire, *store.Questionnaire, error) {
	doc := fmt.Sprintf("key: benchmark-%d\nversion: 1\ndefaultLanguage: en\nlanguages: [en, fr]\ntitle: {en: \"Benchmark questionnaire\", fr: \"Questionnaire d'essai\"}\nareas:\n", n)
	kinds := []string{"YES_NO", "RATING", "PERCENTAGE", "SINGLE_CHOICE", "NUMBER", "MULTIPLE_CHOICE", "YES_NO", "RATING", "TEXT"}
	areas := 6
	for a := 0; a < areas; a++ {
		doc += fmt.Sprintf("  - key: area-%d\n    title: {en: \"Area %d\", fr: \"Domaine %d\"}\n    questions:\n", a+1, a+1, a+1)
		for i := a; i < n; i += areas {
			k := kinds[i%len(kinds)]
			doc += fmt.Sprintf("      - key: q-%03d\n        kind: %s\n        text: {en: \"Question %d\", fr: \"Question %d\"}\n", i+1, k, i+1, i+1)
			switch k {
			case "RATING":
				doc += "        scale: 3\n"
			case "PERCENTAGE", "NUMBER":
				doc += "        bands: [{max: 10, score: 0}, {min: 10, max: 50, score: 0.5}, {min: 50, score: 1}]\n"
			case "SINGLE_CHOICE", "MULTIPLE_CHOICE":
				doc += "        options: [{key: none, label: {en: None, fr: Aucun}, score: 0}, {key: some, label: {en: Some, fr: Certains}, score: 0.5}, {key: all, label: {en: All, fr: Tous}, score: 1}]\n"
			}
			if k != "TEXT" {
				doc += fmt.Sprintf("        gap: {category: %s, severity: %s, finding: {en: \"Gap %d\", fr: \"Lacune %d\"}}\n",
					[]string{"STRUCTURE", "RESOURCES", "POLICY", "CAPACITY", "MONITORING"}[i%5], []string{"MEDIUM", "HIGH", "LOW"}[i%3], i+1, i+1)
			}
		}
	}
	q, problems := questionnaire.Parse([]byte(doc))
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("generated questionnaire: %v", problems[0])
	}
	enc, err := questionnaire.Encode(q)
	if err != nil {
		return nil, nil, err
	}
	row := &store.Questionnaire{Key: q.Key, Version: q.Version, DefaultLanguage: q.DefaultLanguage, Document: string(enc), CreatedAt: now}
	if _, err := db.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return nil, nil, err
	}
	return q, row, nil
}

// answer draws a plausible answer to q, better as the assessments follow
// each other (round 0, 1, 2…).
func answer(r *rand.Rand, q *questionnaire.Question, round int) store.Response {
	good := r.Float64() < 0.3+0.2*float64(round)
	resp := store.Response{QuestionKey: q.Key}
	switch q.Kind {
	case questionnaire.KindYesNo:
		b := good
		resp.BoolValue = &b
	case questionnaire.KindRating:
		v := float64(r.IntN(2))
		if good {
			v += 2
		}
		resp.NumberValue = &v
	case questionnaire.KindPercentage, questionnaire.KindNumber:
		v := float64(r.IntN(40))
		if good {
			v += 50
		}
		resp.NumberValue = &v
	case questionnaire.KindSingleChoice:
		resp.ChoiceKeys = []string{[]string{"none", "some", "all"}[r.IntN(2)+btoi(good)]}
	case questionnaire.KindMultipleChoice:
		resp.ChoiceKeys = []string{"some"}
		if good {
			resp.ChoiceKeys = append(resp.ChoiceKeys, "all")
		}
	case questionnaire.KindText:
		t := "Observations recorded during the focus group with women officers."
		resp.TextValue = &t
	}
	if r.IntN(30) == 0 && q.Kind != questionnaire.KindText {
		resp = store.Response{QuestionKey: q.Key, NotApplicable: true}
	}
	resp.Evidence = []string{}
	return resp
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func seedInstitution(ctx context.Context, db *store.DB, r *rand.Rand, sc Scale, i int, q *questionnaire.Questionnaire, qrow *store.Questionnaire,
	partners []store.Partner, hash string, now time.Time, st *SeedStats) error {
	sectors := []string{"POLICE", "GENDARMERIE", "ARMED_FORCES", "JUSTICE", "PENITENTIARY", "BORDER_MANAGEMENT", "CIVIL_PROTECTION", "OVERSIGHT"}
	acr := "I" + strconv.Itoa(i)
	inst := &store.Institution{Name: fmt.Sprintf("Institution %03d", i), Acronym: &acr, Sector: sectors[i%len(sectors)], Country: "ML", Version: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(inst).Returning("id").Exec(ctx); err != nil {
		return err
	}
	st.Institutions++
	// Units: a headquarters, directorates and regional commands under it,
	// stations and specialised units under the commands.
	units := make([]store.Unit, 0, sc.UnitsPer)
	regions := []string{"Capital District", "Northern Region", "Central Region", "Eastern Region", "Western Region"}
	hq := store.Unit{InstitutionID: inst.ID, Name: "Headquarters", Kind: "HEADQUARTERS", Version: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(&hq).Returning("id").Exec(ctx); err != nil {
		return err
	}
	top := make([]store.Unit, 0, 20)
	for k := 0; k < min(20, sc.UnitsPer-1); k++ {
		kind := []string{"DIRECTORATE", "REGIONAL_COMMAND", "GENDER_COMMITTEE", "TRAINING_ACADEMY", "OVERSIGHT_BODY"}[k%5]
		reg := regions[k%len(regions)]
		u := store.Unit{InstitutionID: inst.ID, ParentID: &hq.ID, Name: fmt.Sprintf("%s %d", kind, k+1), Kind: kind, Region: &reg, Version: 1, CreatedAt: now, UpdatedAt: now}
		if r.IntN(3) > 0 {
			fp := fmt.Sprintf("Focal point %d-%d", i, k)
			u.GenderFocalPoint = &fp
			u.FocalPointDedicated = r.IntN(2) == 0
		}
		top = append(top, u)
	}
	if err := insert(ctx, db, &top); err != nil {
		return err
	}
	for k := len(top) + 1; k < sc.UnitsPer; k++ {
		parent := top[k%len(top)]
		kind := []string{"LOCAL_STATION", "SPECIALISED_UNIT", "LOCAL_STATION"}[k%3]
		u := store.Unit{InstitutionID: inst.ID, ParentID: &parent.ID, Name: fmt.Sprintf("%s %d", kind, k+1), Kind: kind, Region: parent.Region, Version: 1, CreatedAt: now, UpdatedAt: now}
		if r.IntN(2) == 0 {
			fp := fmt.Sprintf("Focal point %d-%d", i, k)
			u.GenderFocalPoint = &fp
		}
		units = append(units, u)
	}
	if err := insert(ctx, db, &units); err != nil {
		return err
	}
	units = append(append([]store.Unit{hq}, top...), units...)
	st.Units += len(units)

	// People: a coordinator, a committee member, a focal point and a leader.
	var users []store.User
	for _, role := range []string{"coordinator", "committee", "focalpoint", "leadership", "partner"} {
		users = append(users, store.User{Email: fmt.Sprintf("%s-%d@bench.gendertrack.org", role, i), Name: fmt.Sprintf("%s %d", role, i), PasswordHash: hash, Version: 1, CreatedAt: now})
	}
	if err := insert(ctx, db, &users); err != nil {
		return err
	}
	roleNames := []string{"COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT", "LEADERSHIP", "PARTNER"}
	ras := make([]store.RoleAssignment, len(users))
	for k, u := range users {
		ras[k] = store.RoleAssignment{UserID: u.ID, Role: roleNames[k], InstitutionID: &inst.ID, CreatedAt: now}
	}
	if err := insert(ctx, db, &ras); err != nil {
		return err
	}

	// Assessments: validated ones a year apart, the last one a draft.
	var findings []store.Finding
	var lastValidated *store.Assessment
	for a := 0; a < sc.Assessments; a++ {
		start := now.AddDate(-(sc.Assessments - 1 - a), -2, 0)
		status := "VALIDATED"
		if a == sc.Assessments-1 {
			status = "DRAFT"
		}
		as := &store.Assessment{InstitutionID: inst.ID, QuestionnaireID: qrow.ID, Title: fmt.Sprintf("Self-assessment %d", start.Year()),
			StartDate: store.FormatDate(start), Status: status, Version: 1, CreatedAt: start, UpdatedAt: start}
		if status == "VALIDATED" {
			t := start.AddDate(0, 2, 0)
			as.SubmittedAt, as.ValidatedAt, as.ValidatedBy = &t, &t, &users[3].ID
		}
		if _, err := db.NewInsert().Model(as).Returning("id").Exec(ctx); err != nil {
			return err
		}
		st.Assessments++
		answers := map[string]questionnaire.Answer{}
		var rs []store.Response
		for _, area := range q.Areas {
			for qi := range area.Questions {
				qq := &area.Questions[qi]
				resp := answer(r, qq, a)
				resp.AssessmentID, resp.AnsweredBy, resp.Version, resp.UpdatedAt = as.ID, &users[1].ID, 1, start
				rs = append(rs, resp)
				answers[qq.Key] = questionnaire.Answer{Bool: resp.BoolValue, Number: resp.NumberValue, Text: resp.TextValue, Choices: resp.ChoiceKeys, NotApplicable: resp.NotApplicable}
			}
		}
		if err := insert(ctx, db, &rs); err != nil {
			return err
		}
		st.Responses += len(rs)
		if status == "VALIDATED" {
			var fs []store.Finding
			for _, f := range questionnaire.Findings(q, answers) {
				qk := f.QuestionKey
				fs = append(fs, store.Finding{AssessmentID: as.ID, InstitutionID: inst.ID, AreaKey: f.AreaKey, QuestionKey: &qk,
					Title: f.Title.In("en", "en"), Category: f.Category, Severity: f.Severity, Origin: "RULE", CreatedAt: *as.ValidatedAt})
			}
			if err := insert(ctx, db, &fs); err != nil {
				return err
			}
			st.Findings += len(fs)
			findings, lastValidated = fs, as
		}
	}

	// Plans: closed, adopted, draft, in turn.
	for p := 0; p < sc.Plans; p++ {
		status := []string{"CLOSED", "ADOPTED", "DRAFT"}[p%3]
		start := now.AddDate(-3+p, 0, 0)
		if status == "ADOPTED" {
			start = now.AddDate(-1, 0, 0)
		}
		pl := &store.ActionPlan{InstitutionID: inst.ID, Title: fmt.Sprintf("Gender action plan %d–%d", start.Year(), start.Year()+3),
			StartDate: store.FormatDate(start), EndDate: store.FormatDate(start.AddDate(3, 0, 0)), Status: status, Version: 1, CreatedAt: start, UpdatedAt: start}
		if lastValidated != nil && status != "CLOSED" {
			pl.SourceAssessmentID = &lastValidated.ID
		}
		if status != "DRAFT" {
			t := start.AddDate(0, 1, 0)
			pl.AdoptedAt, pl.AdoptedBy = &t, &users[3].ID
			if status == "CLOSED" {
				c := start.AddDate(2, 0, 0)
				pl.ClosedAt = &c
			}
		}
		if _, err := db.NewInsert().Model(pl).Returning("id").Exec(ctx); err != nil {
			return err
		}
		st.Plans++
		if err := seedPlan(ctx, db, r, sc, inst, pl, units, partners, findings, users, now, st); err != nil {
			return err
		}
	}
	return nil
}

func seedPlan(ctx context.Context, db *store.DB, r *rand.Rand, sc Scale, inst *store.Institution, pl *store.ActionPlan, units []store.Unit,
	partners []store.Partner, findings []store.Finding, users []store.User, now time.Time, st *SeedStats) error {
	objs := make([]store.Objective, sc.ObjectivesPer)
	for k := range objs {
		objs[k] = store.Objective{PlanID: pl.ID, InstitutionID: inst.ID, Title: fmt.Sprintf("Objective %d", k+1), Version: 1, CreatedAt: pl.CreatedAt, UpdatedAt: pl.CreatedAt}
	}
	if err := insert(ctx, db, &objs); err != nil {
		return err
	}
	type link struct {
		bun.BaseModel `bun:"table:objective_findings"`
		ObjectiveID   int64 `bun:"objective_id"`
		FindingID     int64 `bun:"finding_id"`
	}
	var links []link
	if pl.Status != "CLOSED" {
		for k, f := range findings {
			if k%3 != 0 { // some findings stay unaddressed
				links = append(links, link{ObjectiveID: objs[k%len(objs)].ID, FindingID: f.ID})
			}
		}
	}
	if err := insertNoID(ctx, db, links); err != nil {
		return err
	}
	start, _ := store.ParseDate(pl.StartDate)
	kinds := []string{"TRAINING", "TECHNICAL_ASSISTANCE", "ORGANISATIONAL_CHANGE", "POLICY_OR_PROCEDURE", "INFRASTRUCTURE", "EQUIPMENT", "AWARENESS_RAISING", "MONITORING_AND_EVALUATION", "RECRUITMENT_AND_RETENTION"}
	actions := make([]store.Action, sc.ActionsPer)
	for k := range actions {
		s := start.AddDate(0, r.IntN(18), 0)
		due := s.AddDate(0, 3+r.IntN(15), 0)
		sd, dd := store.FormatDate(s), store.FormatDate(due)
		a := store.Action{PlanID: pl.ID, InstitutionID: inst.ID, ObjectiveID: &objs[k%len(objs)].ID, Title: fmt.Sprintf("Action %d", k+1), Kind: kinds[k%len(kinds)],
			StartDate: &sd, DueDate: &dd, Status: "NOT_STARTED", Version: 1, CreatedAt: pl.CreatedAt, UpdatedAt: pl.CreatedAt}
		if r.IntN(12) > 0 {
			a.LeadUnitID = &units[r.IntN(len(units))].ID
		}
		if pl.Status != "DRAFT" {
			switch x := r.IntN(10); {
			case x < 3:
				a.Status, a.ProgressPercent = "COMPLETED", 100
			case x < 8:
				a.Status, a.ProgressPercent = "IN_PROGRESS", 10*(1+r.IntN(9))
			case x < 9:
				a.Status, a.ProgressPercent = "BLOCKED", 20
			}
		}
		actions[k] = a
	}
	// Progress history is drawn before the actions are stored so that each
	// action's last_progress_at and update count go in with it.
	updates := make([][]store.ProgressUpdate, len(actions))
	if pl.Status != "DRAFT" {
		for k := range actions {
			a := &actions[k]
			for u := 0; u < sc.UpdatesPer; u++ {
				at := start.AddDate(0, 0, 20*(u+1)+r.IntN(10))
				if at.After(now) {
					break
				}
				status, pct := "IN_PROGRESS", min(100, a.ProgressPercent*(u+1)/sc.UpdatesPer)
				if u == sc.UpdatesPer-1 {
					status, pct = a.Status, a.ProgressPercent
				}
				note := fmt.Sprintf("Update %d", u+1)
				updates[k] = append(updates[k], store.ProgressUpdate{AuthorID: &users[2].ID, CreatedAt: at, Status: status, ProgressPercent: pct, Note: &note, Evidence: []string{}})
				a.LastProgressAt = &at
				a.UpdateCount++
			}
		}
	}
	if err := insert(ctx, db, &actions); err != nil {
		return err
	}
	st.Actions += len(actions)
	var res []store.ResourceRequirement
	for _, a := range actions {
		for k := 0; k < sc.ResourcesPer; k++ {
			rr := store.ResourceRequirement{ActionID: a.ID, PlanID: pl.ID, InstitutionID: inst.ID, Version: 1, CreatedAt: pl.CreatedAt, UpdatedAt: pl.CreatedAt}
			if k == 0 {
				req := money.MustParseAmount(strconv.Itoa(1000*(1+r.IntN(500))) + ".50")
				sec := money.MustParseAmount(strconv.Itoa(1000 * r.IntN(400)))
				cur := []string{"XOF", "EUR", "USD"}[r.IntN(3)]
				rr.Kind, rr.Description, rr.AmountRequired, rr.AmountSecured, rr.Currency = "BUDGET", "Budget", &req, &sec, &cur
				rr.FundingStatus = plan.FundingStatusAmount(&req, &sec)
				if r.IntN(3) == 0 {
					rr.ProviderID = &partners[r.IntN(len(partners))].ID
				}
			} else {
				kind := []string{"PERSONNEL", "EQUIPMENT", "INFRASTRUCTURE", "EXPERTISE", "MATERIALS"}[r.IntN(5)]
				q, s := float64(1+r.IntN(20)), float64(r.IntN(20))
				unit := "items"
				rr.Kind, rr.Description, rr.QuantityRequired, rr.QuantitySecured, rr.Unit = kind, kind, &q, &s, &unit
				rr.FundingStatus = plan.FundingStatusQuantity(&q, &s)
			}
			res = append(res, rr)
		}
	}
	if err := insert(ctx, db, &res); err != nil {
		return err
	}
	st.Resources += len(res)
	// Indicators on every objective and on a third of the actions.
	var inds []store.Indicator
	for k := range objs {
		level := []string{"OUTCOME", "OUTPUT", "IMPACT"}[k%3]
		inds = append(inds, store.Indicator{PlanID: pl.ID, InstitutionID: inst.ID, ObjectiveID: &objs[k].ID, Name: fmt.Sprintf("Objective indicator %d", k+1), Level: level,
			Baseline: ptr(float64(r.IntN(20))), Target: float64(50 + r.IntN(50)), Version: 1, CreatedAt: pl.CreatedAt, UpdatedAt: pl.CreatedAt})
	}
	for k := 0; k < len(actions); k += 3 {
		inds = append(inds, store.Indicator{PlanID: pl.ID, InstitutionID: inst.ID, ActionID: &actions[k].ID, Name: fmt.Sprintf("Action indicator %d", k+1), Level: "OUTPUT",
			Target: float64(10 + r.IntN(90)), Version: 1, CreatedAt: pl.CreatedAt, UpdatedAt: pl.CreatedAt})
	}
	values := make([][]store.Measurement, len(inds))
	if pl.Status != "DRAFT" {
		for k := range inds {
			for m := 0; m < sc.MeasurementsPer; m++ {
				on := store.FormatDate(start.AddDate(0, 2*m+1, 0))
				if on > store.FormatDate(now) {
					break
				}
				v := float64(r.IntN(int(inds[k].Target) + 10))
				inds[k].LatestValue, inds[k].LatestMeasuredOn = &v, &on
				values[k] = append(values[k], store.Measurement{Value: v, MeasuredOn: on, RecordedBy: &users[2].ID, CreatedAt: now})
			}
		}
	}
	if err := insert(ctx, db, &inds); err != nil {
		return err
	}
	st.Indicators += len(inds)
	var ms []store.Measurement
	for k := range inds {
		for _, m := range values[k] {
			m.IndicatorID = inds[k].ID
			ms = append(ms, m)
		}
	}
	if err := insert(ctx, db, &ms); err != nil {
		return err
	}
	st.Measurements += len(ms)
	if pl.Status == "DRAFT" {
		return nil
	}
	var ups []store.ProgressUpdate
	for k := range actions {
		for _, u := range updates[k] {
			u.ActionID = actions[k].ID
			ups = append(ups, u)
		}
	}
	if err := insert(ctx, db, &ups); err != nil {
		return err
	}
	st.Updates += len(ups)
	var ds []store.Dissemination
	seen := map[int64]bool{}
	for k := 0; k < len(actions) && len(ds) < sc.DisseminationsPer; k++ {
		if u := actions[k].LeadUnitID; u != nil && !seen[*u] && r.IntN(4) > 0 {
			seen[*u] = true
			ds = append(ds, store.Dissemination{PlanID: pl.ID, UnitID: *u, Date: store.FormatDate(start.AddDate(0, 1, 0)), Method: "BRIEFING", CreatedAt: now})
		}
	}
	if err := insert(ctx, db, &ds); err != nil {
		return err
	}
	st.Disseminations += len(ds)
	return nil
}

func ptr[T any](v T) *T { return &v }
