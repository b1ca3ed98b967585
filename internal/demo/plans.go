package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// The demo plans use fixed dates in 2026 and 2027 and run against the
// real clock. They are chosen so that every health colour shows through
// 2026: a completed action (BLUE), a cancelled one and one not yet due to
// start (GREY), one blocked and one overdue (RED), one that should have
// started (AMBER) and actions on track (GREEN).

// demoAction is one action of the police plan and what happened to it.
type demoAction struct {
	objective   int // index into the objectives, -1 for none
	title, kind string
	description string
	lead        string   // unit name, "" for no lead unit
	supporting  []string // unit names
	partners    []string
	accountable string
	start, due  string
	resources   []plan.ResourceInput
	indicators  []plan.IndicatorInput
	// progress: the updates, oldest first, each on its date.
	progress []demoProgress
}

type demoProgress struct {
	on     string // YYYY-MM-DD
	status string
	pct    int
	note   string
}

type demoMeasurement struct {
	value float64
	on    string
	note  string
}

func planBudget(desc, required, secured, currency, provider string) plan.ResourceInput {
	in := plan.ResourceInput{Kind: sptr("BUDGET"), Description: patch.Set(desc), AmountRequired: patch.Set(required), Currency: patch.Set(currency)}
	if secured != "" {
		in.AmountSecured = patch.Set(secured)
	}
	if provider != "" {
		in.Description = patch.Set(desc + " (" + provider + ")")
	}
	return in
}

func planQuantity(kind, desc string, required, secured float64, unit string) plan.ResourceInput {
	return plan.ResourceInput{Kind: &kind, Description: patch.Set(desc), QuantityRequired: patch.Set(required), QuantitySecured: patch.Set(secured), Unit: patch.Set(unit)}
}

func planIndicator(name, level string, baseline *float64, target float64, unit string) plan.IndicatorInput {
	return plan.IndicatorInput{Name: &name, Level: &level, Baseline: baseline, Target: &target, Unit: &unit}
}

func fptr(v float64) *float64 { return &v }

func sptr(v string) *string { return &v }

// policeObjectives are the objectives of the police plan: title, the
// categories of baseline findings they answer, and their own indicators
// with measurements.
var policeObjectives = []struct {
	title, description string
	categories         []string
	indicators         []plan.IndicatorInput
	measurements       [][]demoMeasurement
}{
	{
		title:       "Officers handle gender-based violence cases competently and with respect",
		description: "Every GBV unit and station reception desk has officers trained in survivor-centred case handling.",
		categories:  []string{"CAPACITY"},
		indicators: []plan.IndicatorInput{func() plan.IndicatorInput {
			in := planIndicator("Share of GBV complaints recorded by a trained officer", "OUTCOME", fptr(15), 80, "%")
			in.BaselineDate, in.TargetDate, in.MeansOfVerification = sptr("2026-01-01"), sptr("2027-12-31"), sptr("Quarterly sample of complaint registers, Gender Committee")
			return in
		}()},
		measurements: [][]demoMeasurement{{{22, "2026-04-30", "First quarterly sample"}, {38, "2026-09-30", "Third quarterly sample"}}},
	},
	{
		title:       "GBV cases follow written, gender-responsive procedures",
		description: "A standard operating procedure for GBV case handling is adopted and applied in every station.",
		categories:  []string{"POLICY", "COORDINATION"},
		indicators: []plan.IndicatorInput{func() plan.IndicatorInput {
			in := planIndicator("Stations applying the GBV case-handling procedure", "OUTCOME", fptr(0), 40, "stations")
			in.BaselineDate, in.TargetDate = sptr("2026-01-01"), sptr("2027-12-31")
			return in
		}()},
		measurements: [][]demoMeasurement{{{2, "2026-10-01", "Pilot stations only: the procedure is not adopted yet"}}},
	},
	{
		title:       "Survivors are received in safe, confidential and equipped facilities",
		description: "Confidential interview rooms and equipped GBV units in the Capital District and the regions.",
		categories:  []string{"STRUCTURE", "RESOURCES"},
		indicators: []plan.IndicatorInput{func() plan.IndicatorInput {
			in := planIndicator("Survivors who felt safe during their interview", "IMPACT", fptr(30), 75, "%")
			in.MeansOfVerification = sptr("Exit survey run by the Association for Women's Legal Aid")
			return in
		}()},
		measurements: [][]demoMeasurement{nil},
	},
	{
		title:       "The plan is known and owned across the regional commands",
		description: "Regional commanders are briefed and report on the plan; its copies reach every station.",
		categories:  []string{"OWNERSHIP"},
		// Outputs only: no outcome indicator measures ownership yet.
		indicators: []plan.IndicatorInput{
			planIndicator("Regional commands briefed on the plan", "OUTPUT", fptr(0), 3, "commands"),
			planIndicator("Printed copies of the plan distributed", "OUTPUT", fptr(0), 500, "copies"),
		},
		measurements: [][]demoMeasurement{nil, {{350, "2026-03-15", "Distribution by the Directorate of Public Security"}}},
	},
}

func policeActions() []demoAction {
	return []demoAction{
		{
			objective: 0, title: "Train a pool of GBV trainers at the National Police Academy", kind: "TRAINING",
			description: "A two-week training of trainers on survivor-centred interviewing, evidence and referral.",
			lead:        "National Police Academy", supporting: []string{"Gender Committee of the National Police"},
			partners: []string{"DCAF – Geneva Centre for Security Sector Governance"}, accountable: "Director of the National Police Academy",
			start: "2026-02-01", due: "2026-06-30",
			resources: []plan.ResourceInput{
				planBudget("Trainers' fees, venue and materials", "45000", "45000", "EUR", "DCAF"),
				planQuantity("EXPERTISE", "International GBV training experts", 2, 2, "experts"),
			},
			indicators: []plan.IndicatorInput{planIndicator("Certified GBV trainers", "OUTPUT", fptr(0), 24, "trainers")},
			progress: []demoProgress{
				{"2026-02-16", "IN_PROGRESS", 20, "Curriculum validated with DCAF; 26 candidates selected."},
				{"2026-04-10", "IN_PROGRESS", 60, "First session held; second session scheduled for May."},
				{"2026-06-26", "COMPLETED", 100, "26 trainers certified, 11 of them women."},
			},
		},
		{
			objective: 0, title: "Roll out GBV case-handling training to the regional GBV units", kind: "TRAINING",
			description: "The certified trainers train the officers of the regional GBV units and station reception desks.",
			lead:        "National Police Academy", supporting: []string{"Northern Region GBV Unit", "Central Region GBV Unit"},
			start: "2026-07-01", due: "2027-06-30",
			resources: []plan.ResourceInput{
				planBudget("Travel and per diem of trainers and trainees", "60000000", "25000000", "XOF", ""),
			},
			progress: []demoProgress{
				{"2026-09-15", "IN_PROGRESS", 15, "Capital District sessions done."},
				{"2026-11-02", "IN_PROGRESS", 40, "Central Region done; Northern Region planned for January."},
			},
		},
		{
			objective: 1, title: "Draft the standard operating procedure for GBV case handling", kind: "POLICY_OR_PROCEDURE",
			description: "Reception, recording, interviewing, medical referral and follow-up of GBV complaints.",
			lead:        "Directorate of Public Security", supporting: []string{"General Inspectorate of Police Services"},
			partners: []string{"Association for Women's Legal Aid"}, accountable: "Director of Public Security",
			start: "2026-02-15", due: "2026-09-30",
			resources: []plan.ResourceInput{
				planBudget("Drafting workshops and validation seminar", "8500000", "", "XOF", ""),
				planQuantity("PERSONNEL", "Legal drafters seconded to the drafting team", 3, 1, "drafters"),
			},
			progress: []demoProgress{
				{"2026-03-20", "IN_PROGRESS", 30, "Drafting team appointed; first outline shared."},
				{"2026-07-08", "IN_PROGRESS", 70, "Full draft under review by the Inspectorate."},
			},
		},
		{
			objective: 2, title: "Build confidential interview rooms in the Capital District stations", kind: "INFRASTRUCTURE",
			description: "One room with a separate entrance in each of the four Capital District stations.",
			lead:        "Directorate of Finance and Logistics", supporting: []string{"Capital District Regional Police Command"},
			partners: []string{"Embassy of the Netherlands – Security Cooperation"}, accountable: "Director of Finance and Logistics",
			start: "2026-03-01", due: "2027-03-31",
			resources: []plan.ResourceInput{
				planBudget("Construction works", "120000", "40000", "EUR", "Netherlands"),
				planBudget("Furniture and fittings", "15000000", "", "XOF", ""),
				planQuantity("INFRASTRUCTURE", "Interview rooms", 4, 0, "rooms"),
			},
			progress: []demoProgress{
				{"2026-04-02", "IN_PROGRESS", 10, "Architect's plans approved."},
				{"2026-08-19", "BLOCKED", 20, "Works stopped: the land title of the 1st District station is disputed."},
			},
		},
		{
			objective: 2, title: "Equip the GBV units with computers and secure case files", kind: "EQUIPMENT",
			lead: "Directorate of Finance and Logistics", supporting: []string{"Capital GBV Brigade for the Protection of Women and Children", "Northern Region GBV Unit", "Central Region GBV Unit"},
			start: "2026-01-15", due: "2027-12-31",
			resources: []plan.ResourceInput{
				planQuantity("EQUIPMENT", "Laptops with encrypted case-management software", 30, 0, "laptops"),
				planBudget("Purchase of laptops and lockable cabinets", "21000000", "", "XOF", ""),
			},
		},
		{
			objective: 3, title: "Brief the regional commands on the action plan", kind: "AWARENESS_RAISING",
			description: "A half-day briefing in each regional command, with the regional gender focal points.",
			start:       "2027-01-15", due: "2027-06-30",
		},
		{
			objective: 0, title: "Recruit and retain women officers in the GBV units", kind: "RECRUITMENT_AND_RETENTION",
			lead: "Directorate of Human Resources", accountable: "Director of Human Resources",
			start: "2026-02-01", due: "2027-12-31",
			resources: []plan.ResourceInput{planQuantity("PERSONNEL", "Women officers posted to GBV units", 20, 6, "officers")},
			progress: []demoProgress{
				{"2026-03-01", "IN_PROGRESS", 25, "Call for volunteers published."},
				{"2026-06-01", "IN_PROGRESS", 45, "Six women officers posted to the Capital GBV Brigade."},
			},
		},
		{
			objective: 2, title: "Pilot a free GBV hotline in the Capital District", kind: "OTHER",
			lead: "Capital GBV Brigade for the Protection of Women and Children", start: "2026-03-01", due: "2026-12-31",
			resources: []plan.ResourceInput{planBudget("Hotline operator contract", "6000000", "", "XOF", "")},
			progress: []demoProgress{
				{"2026-05-12", "CANCELLED", 0, "Replaced by the national hotline run by the Ministry for Women."},
			},
		},
		{
			objective: 1, title: "Review GBV case statistics every quarter with the Gender Committee", kind: "MONITORING_AND_EVALUATION",
			lead: "Gender Committee of the National Police", start: "2026-03-01", due: "2027-12-31",
			resources: []plan.ResourceInput{planQuantity("PERSONNEL", "Statistics officer", 1, 1, "officer")},
			progress: []demoProgress{
				{"2026-04-15", "IN_PROGRESS", 15, "First quarterly review held."},
				{"2026-10-20", "IN_PROGRESS", 35, "Third quarterly review held; data from the Northern Region missing."},
			},
		},
	}
}

// loadPlans writes the demo action plans through the plan service, acting
// as the demo accounts: an ADOPTED plan of the police drawn from its
// validated baseline, and a DRAFT plan of the gendarmerie. The history of
// progress updates and the adoption date are back-dated in the tables,
// since the service stamps them with the current time.
func loadPlans(ctx context.Context, s Services, d *Data) error {
	committee, err := as(ctx, s.DB, "committee@demo.gendertrack.org")
	if err != nil {
		return err
	}
	leadership, err := as(ctx, s.DB, "leadership@demo.gendertrack.org")
	if err != nil {
		return err
	}
	focal, err := as(ctx, s.DB, "focalpoint@demo.gendertrack.org")
	if err != nil {
		return err
	}
	gendarmerie, err := as(ctx, s.DB, "gendarmerie@demo.gendertrack.org")
	if err != nil {
		return err
	}
	svc := s.Plans
	unit := func(name string) (*int64, error) {
		u := d.Units[name]
		if u == nil {
			return nil, fmt.Errorf("demo unit %q is missing", name)
		}
		return &u.ID, nil
	}
	partner := func(name string) (int64, error) {
		p := d.Partners[name]
		if p == nil {
			return 0, fmt.Errorf("demo partner %q is missing", name)
		}
		return p.ID, nil
	}

	// The police plan, drawn from the validated baseline when there is one.
	in := plan.PlanInput{InstitutionID: d.Police.ID, Title: patch.Set("Gender Action Plan of the National Police 2026–2027"),
		StartDate: patch.Set("2026-01-01"), EndDate: patch.Set("2027-12-31")}
	var findings []store.Finding
	if d.Baseline != nil {
		in.SourceAssessmentID = &d.Baseline.ID
		if err := s.DB.NewSelect().Model(&findings).Where("assessment_id = ?", d.Baseline.ID).Order("id").Scan(ctx); err != nil {
			return err
		}
	}
	p, err := svc.CreatePlan(committee, in)
	if err != nil {
		return fmt.Errorf("police plan: %w", err)
	}
	objectives := make([]*store.Objective, len(policeObjectives))
	var objIndicators [][]*store.Indicator
	for i, o := range policeObjectives {
		// Each objective answers the baseline's findings of its categories.
		var linked []int64
		for _, f := range findings {
			if slices.Contains(o.categories, f.Category) {
				linked = append(linked, f.ID)
			}
		}
		if objectives[i], err = svc.CreateObjective(committee, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set(o.title),
			Description: patch.Set(o.description), FindingIDs: patch.Set(linked)}); err != nil {
			return fmt.Errorf("objective %q: %w", o.title, err)
		}
		var inds []*store.Indicator
		for _, ind := range o.indicators {
			ind.ObjectiveID = &objectives[i].ID
			created, err := svc.CreateIndicator(committee, ind)
			if err != nil {
				return fmt.Errorf("indicator %q: %w", *ind.Name, err)
			}
			inds = append(inds, created)
		}
		objIndicators = append(objIndicators, inds)
	}
	actions := policeActions()
	created := make([]*store.Action, len(actions))
	var actionIndicators [][]*store.Indicator
	for i, a := range actions {
		ai := plan.ActionInput{PlanID: p.ID, Title: patch.Set(a.title), Kind: patch.Set(a.kind), StartDate: patch.Set(a.start), DueDate: patch.Set(a.due)}
		if a.objective >= 0 {
			ai.ObjectiveID = patch.Set(objectives[a.objective].ID)
		}
		if a.description != "" {
			ai.Description = patch.Set(a.description)
		}
		if a.accountable != "" {
			ai.Accountable = patch.Set(a.accountable)
		}
		if a.lead != "" {
			lead, err := unit(a.lead)
			if err != nil {
				return err
			}
			ai.LeadUnitID = patch.Ptr(lead)
		}
		supporting := []int64{}
		for _, n := range a.supporting {
			id, err := unit(n)
			if err != nil {
				return err
			}
			supporting = append(supporting, *id)
		}
		partners := []int64{}
		for _, n := range a.partners {
			id, err := partner(n)
			if err != nil {
				return err
			}
			partners = append(partners, id)
		}
		ai.SupportingUnitIDs, ai.PartnerIDs = patch.Set(supporting), patch.Set(partners)
		if created[i], err = svc.CreateAction(committee, ai); err != nil {
			return fmt.Errorf("action %q: %w", a.title, err)
		}
		for _, r := range a.resources {
			r.ActionID = created[i].ID
			if _, err := svc.AddResource(committee, r); err != nil {
				return fmt.Errorf("resource %q: %w", *r.Description.Value(), err)
			}
		}
		var inds []*store.Indicator
		for _, ind := range a.indicators {
			ind.ActionID = &created[i].ID
			c, err := svc.CreateIndicator(committee, ind)
			if err != nil {
				return fmt.Errorf("indicator %q: %w", *ind.Name, err)
			}
			inds = append(inds, c)
		}
		actionIndicators = append(actionIndicators, inds)
	}

	// Adopted by the leadership in February; the adoption is back-dated.
	if _, err := svc.AdoptPlan(leadership, p.ID, sptr("Adopted by the Director General at the management meeting of 10 February 2026.")); err != nil {
		return fmt.Errorf("adopting the police plan: %w", err)
	}
	adopted := planDay("2026-02-10").Add(10 * time.Hour)
	if _, err := s.DB.NewUpdate().Table("action_plans").Set("adopted_at = ?", adopted).Where("id = ?", p.ID).Exec(ctx); err != nil {
		return err
	}

	// Progress, oldest first, each update back-dated to its day; a few
	// updates carry an evidence file.
	files := 0
	for i, a := range actions {
		for _, pr := range a.progress {
			var note *string
			if pr.note != "" {
				note = sptr(pr.note)
			}
			_, u, err := svc.RecordProgress(focal, plan.ProgressInput{ActionID: created[i].ID, Status: pr.status, ProgressPercent: pr.pct, Note: note})
			if err != nil {
				return fmt.Errorf("progress of %q: %w", a.title, err)
			}
			at := planDay(pr.on).Add(16 * time.Hour)
			if _, err := s.DB.NewUpdate().Table("progress_updates").Set("created_at = ?", at).Where("id = ?", u.ID).Exec(ctx); err != nil {
				return err
			}
			if i < 3 && pr.note != "" {
				files++
				if err := attachUpdateFile(focal, s, u.ID, files); err != nil {
					return fmt.Errorf("evidence of %q: %w", a.title, err)
				}
			}
			if _, err := s.DB.NewUpdate().Table("actions").Set("last_progress_at = ?", at).Where("id = ?", created[i].ID).Exec(ctx); err != nil {
				return err
			}
		}
	}

	// Measurements on a few indicators.
	measure := func(ind *store.Indicator, ms []demoMeasurement) error {
		for _, m := range ms {
			if _, _, err := svc.RecordMeasurement(focal, plan.MeasurementInput{IndicatorID: ind.ID, Value: m.value, MeasuredOn: m.on,
				Source: sptr("Gender Committee monitoring"), Note: sptr(m.note)}); err != nil {
				return fmt.Errorf("measurement of %q: %w", ind.Name, err)
			}
		}
		return nil
	}
	for i, o := range policeObjectives {
		for j, ms := range o.measurements {
			if err := measure(objIndicators[i][j], ms); err != nil {
				return err
			}
		}
	}
	if err := measure(actionIndicators[0][0], []demoMeasurement{{26, "2026-06-26", "Certificates handed over at the Academy"}}); err != nil {
		return err
	}

	if err := policeDisaggregation(committee, focal, svc, objectives, created); err != nil {
		return err
	}

	// Disseminated to some lead units only.
	for _, dm := range []struct{ unit, date, method, note string }{
		{"Directorate of Public Security", "2026-02-20", "BRIEFING", "Briefing of the directorate's heads of division."},
		{"National Police Academy", "2026-03-05", "TRAINING_SESSION", "Presented at the opening of the training of trainers."},
		{"Capital District Regional Police Command", "2026-03-12", "CIRCULAR", "Circular No. 2026-014 of the Director General."},
	} {
		id, err := unit(dm.unit)
		if err != nil {
			return err
		}
		if _, err := svc.RecordDissemination(committee, plan.DisseminationInput{PlanID: p.ID, UnitID: *id, Date: dm.date,
			Method: dm.method, Note: sptr(dm.note)}); err != nil {
			return fmt.Errorf("dissemination to %s: %w", dm.unit, err)
		}
	}

	return gendarmeriePlan(gendarmerie, s, d, unit)
}

// gendarmeriePlan is the gendarmerie's plan, still a DRAFT.
func gendarmeriePlan(ctx context.Context, s Services, d *Data, unit func(string) (*int64, error)) error {
	svc := s.Plans
	p, err := svc.CreatePlan(ctx, plan.PlanInput{InstitutionID: d.Gendarmerie.ID, Title: patch.Set("Gender Action Plan of the National Gendarmerie 2027 (draft)"),
		StartDate: patch.Set("2027-01-01"), EndDate: patch.Set("2027-12-31")})
	if err != nil {
		return fmt.Errorf("gendarmerie plan: %w", err)
	}
	o1, err := svc.CreateObjective(ctx, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set("Gendarmes respond to GBV and CRSV in a survivor-centred way")})
	if err != nil {
		return err
	}
	o2, err := svc.CreateObjective(ctx, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set("Gendarmerie personnel work free of sexual harassment")})
	if err != nil {
		return err
	}
	for _, a := range []struct {
		obj                     *store.Objective
		title, kind, lead, s, e string
		res                     []plan.ResourceInput
	}{
		{o1, "Train the research brigades in survivor-centred interviewing", "TRAINING", "Capital Research Brigade (GBV cases)", "2027-02-01", "2027-06-30",
			[]plan.ResourceInput{planBudget("Training sessions", "18000000", "", "XOF", "")}},
		{o1, "Set up the Central Legion's mobile GBV response team", "ORGANISATIONAL_CHANGE", "Central Mobile GBV Response Team", "2027-03-01", "2027-12-31",
			[]plan.ResourceInput{planQuantity("EQUIPMENT", "All-terrain vehicle", 1, 0, "vehicle")}},
		{o2, "Adopt a policy against sexual harassment in the gendarmerie", "POLICY_OR_PROCEDURE", "Directorate of Personnel", "2027-01-15", "2027-09-30", nil},
	} {
		lead, err := unit(a.lead)
		if err != nil {
			return err
		}
		act, err := svc.CreateAction(ctx, plan.ActionInput{PlanID: p.ID, ObjectiveID: patch.Set(a.obj.ID), Title: patch.Set(a.title), Kind: patch.Set(a.kind),
			LeadUnitID: patch.Ptr(lead), StartDate: patch.Set(a.s), DueDate: patch.Set(a.e)})
		if err != nil {
			return fmt.Errorf("gendarmerie action %q: %w", a.title, err)
		}
		for _, r := range a.res {
			r.ActionID = act.ID
			if _, err := svc.AddResource(ctx, r); err != nil {
				return err
			}
		}
	}
	if _, err := svc.CreateIndicator(ctx, plan.IndicatorInput{ObjectiveID: &o2.ID, Name: sptr("Personnel who know how to report harassment"),
		Level: sptr("OUTCOME"), Baseline: fptr(20), Target: fptr(90), Unit: sptr("%")}); err != nil {
		return err
	}
	return nil
}

func planDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
