package demo

import (
	"context"
	"fmt"

	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/store"
)

// The demo assessments: the police's validated baseline of January 2025
// (a weak institution, so many findings), its follow-up of March 2026 in
// DRAFT with visible progress in some areas, and a gendarmerie assessment
// of its GBV and CRSV response capacity, partly answered.

// val is one demo answer; the zero val means "as in the baseline" in the
// follow-up column.
type val struct {
	set  bool
	skip bool // left unanswered
	in   assessment.ResponseInput
}

func yes() val             { b := true; return val{set: true, in: assessment.ResponseInput{Bool: &b}} }
func no() val              { b := false; return val{set: true, in: assessment.ResponseInput{Bool: &b}} }
func num(f float64) val    { return val{set: true, in: assessment.ResponseInput{Number: &f}} }
func pick(k ...string) val { return val{set: true, in: assessment.ResponseInput{Choices: k}} }
func text(s string) val    { return val{set: true, in: assessment.ResponseInput{Text: &s}} }
func na() val              { t := true; return val{set: true, in: assessment.ResponseInput{NotApplicable: &t}} }

var skip = val{set: true, skip: true}

// demoAnswer answers one question in the baseline and the follow-up.
type demoAnswer struct {
	key            string
	base, follow   val
	comment        string
	followComment  string
	evidence       []string
	followEvidence []string
}

// policeAnswers answer every question of the security sector
// self-assessment for the National Police.
func policeAnswers() []demoAnswer {
	return []demoAnswer{
		// Performance and operational effectiveness
		{key: "gbv-standard-operating-procedures", base: no(), follow: yes(),
			comment:        "A draft procedure exists at headquarters (v0.3, 2024) but was never signed; none of the three stations visited had it.",
			followComment:  "Signed by the Director General in November 2025 (Circular 2025-117) and sent to every station; found on the desk in 4 of 5 stations visited.",
			evidence:       []string{"Draft SOP on the handling of GBV reports, v0.3 (2024)", "Station visits, 1st and 4th District and Northern Central station, 20-24 January 2025"},
			followEvidence: []string{"Circular 2025-117 of 14 November 2025", "Station visits, February 2026"}},
		{key: "gbv-case-handling-structure", base: pick("specialised-unit-capital-only"),
			comment:  "The Capital GBV Brigade is the only specialised unit; the Northern and Central GBV units exist on paper but have no dedicated staff.",
			evidence: []string{"Organisation chart of the Directorate of Public Security, 2024"}},
		{key: "private-interview-rooms", base: num(12), follow: num(35),
			comment:       "2 of 17 stations have a room where a victim can be heard out of sight and hearing of the public.",
			followComment: "Six rooms fitted with partner support in 2025 (4th District, Central Region GBV Unit and four stations).",
			evidence:      []string{"Inventory of premises, Directorate of Finance and Logistics, December 2024"}},
		{key: "gbv-team-equipment", base: num(1),
			comment: "The Capital GBV Brigade shares one vehicle with the 1st District; no forensic kits in stock."},
		{key: "frontline-staff-trained-gbv", base: num(18), follow: num(42),
			comment:       "Trained at least once in the last three years: 210 of about 1,150 officers who receive the public.",
			followComment: "Three training cycles at the National Police Academy in 2025 reached 275 more front-line officers.",
			evidence:      []string{"Training records of the National Police Academy, 2022-2024"}},
		{key: "training-applied-in-practice", base: no(),
			comment:  "In the files reviewed, hearings of victims still take place at the public counter in most stations.",
			evidence: []string{"Review of 40 GBV case files, January 2025"}},
		{key: "victims-pay-informal-costs", base: yes(),
			comment:  "Victims interviewed said they were asked to pay for fuel and for the medical certificate form.",
			evidence: []string{"Focus group with survivors, Association for Women's Legal Aid, 18 January 2025"}},
		{key: "survivors-referred-to-services", base: num(23), follow: num(61),
			comment: "Referrals recorded in 2024 by the Capital GBV Brigade; the other units keep no record."},
		{key: "gbv-data-disaggregated", base: num(1), follow: num(2),
			comment:       "Only the Capital GBV Brigade records sex and age of victims; the national statistics count offences, not victims.",
			followComment: "The new case register of 2025 records sex and age of victims and suspects in all specialised units."},
		{key: "operations-gender-analysis", base: pick("women-consulted"), follow: pick("needs-analysed-by-sex-age", "women-consulted")},
		{key: "gbv-case-experience", base: text("Officers describe GBV complaints as 'family matters' and often advise the parties to reconcile. Women come back with relatives rather than alone, and many withdraw the complaint after pressure from the family."), follow: skip},

		// Laws, policies and planning
		{key: "gender-policy-status", base: pick("draft"), follow: pick("adopted-not-disseminated"),
			comment:       "The gender policy was drafted with partner support in 2023 and is waiting for the Director General's signature.",
			followComment: "Adopted in September 2025; dissemination to regional commands is planned for 2026.",
			evidence:      []string{"Draft gender policy of the National Police, 2023"}},
		{key: "mandate-mentions-gender", base: no(),
			comment: "The 2012 organic law makes no mention of women, gender or GBV."},
		{key: "gender-in-strategic-plan", base: num(1), follow: num(2)},
		{key: "gender-budget-line", base: no(),
			comment: "All gender activities in 2024 were funded by partners.", evidence: []string{"Budget of the National Police, financial year 2024"}},
		{key: "gender-plan-own-funding", base: na(), follow: num(10),
			comment: "Not applicable: there is no gender action plan yet."},
		{key: "action-plan-elements", base: pick("no-plan"), follow: pick("lead-unit", "named-responsible", "dates"),
			followComment: "The draft plan names lead units, responsible posts and dates; costs and indicators are still missing."},
		{key: "plan-known-by-units", base: num(8), follow: num(30)},
		{key: "plan-monitoring-focus", base: pick("no-monitoring"), follow: pick("activities-only")},
		{key: "plan-actions-on-time", base: na(), follow: skip, comment: "Not applicable: no plan to monitor."},
		{key: "national-commitments", base: text("The national action plan on Resolution 1325 (2019-2023) gives the police three actions; none was reported on."), follow: skip},

		// Community relations
		{key: "women-consulted-on-security", base: num(1),
			comment: "Women's associations were consulted once, in the Capital District, in 2023."},
		{key: "referral-agreement-support-services", base: no(), follow: yes(),
			followComment:  "Agreement signed with the Association for Women's Legal Aid and the regional hospital in October 2025.",
			followEvidence: []string{"Referral agreement of 3 October 2025"}},
		{key: "complaints-diverted-to-mediation", base: yes(),
			comment:  "Station commanders routinely send domestic violence complaints to customary mediation.",
			evidence: []string{"Review of 40 GBV case files, January 2025"}},
		{key: "reporting-channels-for-women", base: pick("station-counter-only"), follow: pick("free-hotline")},
		{key: "outreach-sessions-held", base: num(4), follow: num(9)},
		{key: "public-trust-measured", base: pick("never")},
		{key: "women-in-community-forums", base: num(15)},
		{key: "accessible-rights-information", base: num(0), follow: num(1),
			comment: "No leaflet or poster in any station; nothing in local languages."},
		{key: "community-perception", base: text("Women's groups say they avoid the police for domestic violence because of the cost and of the lack of confidentiality; men's groups see the police as slow but fair."), follow: skip},

		// Accountability and oversight
		{key: "harassment-and-sea-policy", base: no(),
			comment: "No policy on sexual harassment or sexual exploitation and abuse; cases are handled as ordinary disciplinary breaches."},
		{key: "confidential-complaint-channel", base: pick("chain-of-command-only"),
			comment: "Complaints go up the chain of command, often through the person complained about."},
		{key: "misconduct-complaints-registered", base: num(7), follow: num(11)},
		{key: "complaints-closed-on-time", base: num(40)},
		{key: "disciplinary-outcomes-reported", base: num(0), follow: skip},
		{key: "complainant-retaliation", base: na(), follow: skip,
			comment: "Not applicable: there is no confidential channel whose users could be followed up."},
		{key: "vetting-for-sexual-misconduct", base: no()},
		{key: "women-in-custody-safeguards", base: no(),
			comment:  "Female detainees are held in the same block as men in two of the three stations visited, and searched by male officers at night.",
			evidence: []string{"Station visits, 20-24 January 2025", "General Inspectorate report 2024/07"}},
		{key: "inspections-cover-gender", base: no(), follow: yes(),
			followComment: "The 2026 inspection checklist of the General Inspectorate has a section on GBV reception and custody of women."},
		{key: "external-oversight-of-gender", base: pick("civil-society")},
		{key: "complaints-against-officers-handling", base: text("The General Inspectorate has four inspectors, all men, for the whole country; it has never handled a complaint of sexual harassment."), follow: skip},

		// Personnel
		{key: "women-share-of-staff", base: num(9.4), follow: num(10.1),
			comment: "1,062 women of 11,300 staff on 31 December 2024.", evidence: []string{"Personnel statistics, Directorate of Human Resources, 31 December 2024"}},
		{key: "women-share-senior-ranks", base: num(3.1), follow: num(3.5)},
		{key: "women-share-career-courses", base: num(6), follow: skip, followComment: "Figures for 2025 are being collected."},
		{key: "women-recruitment-measures", base: pick("targets-only"),
			comment: "A 15% target for women recruits exists since 2019 but is not backed by outreach; the physical test is the same for women and men."},
		{key: "posts-closed-to-women", base: yes(),
			comment: "Women may not serve in the mobile intervention units or as station commanders outside the capital (2016 service note)."},
		{key: "facilities-for-women", base: num(22),
			comment: "Separate toilets and changing rooms in 4 of 18 sites."},
		{key: "uniforms-equipment-for-women", base: num(1)},
		{key: "work-life-measures", base: pick("paid-maternity-leave")},
		{key: "personnel-data-by-sex", base: yes(),
			evidence: []string{"Personnel statistics, Directorate of Human Resources, 31 December 2024"}},
		{key: "why-women-leave", base: text("Exit interviews are not held. Women officers in the focus group cite postings far from their families, the lack of childcare and being kept at desk jobs."), follow: skip},

		// Institutional culture
		{key: "leadership-commitment", base: num(1), follow: num(2),
			comment:       "The Director General opened the 2024 training of focal points but gender is absent from his annual directives.",
			followComment: "The 2026 annual directive of the Director General has a gender section and names the Gender Committee as responsible."},
		{key: "gender-focal-point-status", base: pick("extra-duty-no-mandate"), follow: pick("mandate-and-time"),
			followComment: "Terms of reference signed in December 2025 give focal points 30% of their time for the role."},
		{key: "units-with-focal-point", base: num(45), follow: num(60)},
		{key: "gender-office-staff", base: num(1), follow: num(2)},
		{key: "gender-coordination-body", base: yes(),
			comment: "The Gender Committee of the National Police was set up in 2022 and meets quarterly."},
		{key: "gender-in-core-curriculum", base: num(1), follow: num(2)},
		{key: "internal-gender-trainers", base: num(0), follow: num(4),
			followComment: "Four instructors of the National Police Academy certified as gender trainers in 2025."},
		{key: "women-confined-to-support-roles", base: yes()},
		{key: "staff-attitudes-surveyed", base: no(), follow: skip},
		{key: "gender-work-recognised", base: pick("none"), follow: pick("focal-point-duty-counted")},
		{key: "everyday-culture", base: text("Jokes about women officers are common in briefings; women officers say they are called 'the secretaries' and are not sent on night patrols."), follow: skip},
	}
}

// gendarmerieAnswers answer part of the GBV and CRSV response capacity
// questionnaire for the National Gendarmerie.
func gendarmerieAnswers() []assessment.ResponseInput {
	with := func(v val, key, comment string, evidence ...string) assessment.ResponseInput {
		in := v.in
		in.QuestionKey = key
		if comment != "" {
			in.Comment = &comment
		}
		in.Evidence = evidence
		return in
	}
	return []assessment.ResponseInput{
		with(pick("gbv-only"), "sop-adopted", "The 2021 GBV instruction does not cover conflict-related sexual violence.", "Instruction 2021-04 of the Director General of the Gendarmerie"),
		with(pick("reception", "interview", "referral"), "procedure-stages", ""),
		with(num(0), "crsv-specific-provisions", "Nothing on attacks by armed groups, collective rapes or displaced women."),
		with(num(35), "procedures-at-hand", "Seen in 7 of 20 brigades visited."),
		with(yes(), "informal-settlement", "Brigade commanders in the Northern Legion accept settlements between families, including for rape."),
		with(num(20), "interview-room-coverage", ""),
		with(pick("shared-unreliable"), "vehicle-access", ""),
		with(pick("none"), "forensic-kits", "No kit has been delivered since 2022."),
		with(num(15), "staff-trained", "", "Training records of the Gendarmerie Training School, 2023-2025"),
		with(pick("partner-ad-hoc"), "refresher-training", ""),
		with(num(2), "internal-trainers", ""),
		with(pick("appointed-extra-duty"), "focal-point-mandate", "Focal points are appointed by note but have no terms of reference."),
		with(pick("personal-contacts"), "referral-pathway", ""),
		with(pick("flagged"), "case-register", ""),
	}
}

// userID finds a demo account.
func userID(ctx context.Context, db *store.DB, email string) (int64, error) {
	var id int64
	err := db.NewSelect().Table("users").Column("id").Where("email = ?", email).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("demo account %s: %w", email, err)
	}
	return id, nil
}

// as returns ctx acting as a demo account, so that answers, submissions
// and validations carry its name.
func as(ctx context.Context, db *store.DB, email string) (context.Context, error) {
	id, err := userID(ctx, db, email)
	if err != nil {
		return nil, err
	}
	return auth.WithActor(context.WithoutCancel(ctx), &auth.Actor{UserID: id, Email: email}), nil
}

// inputs builds the responses of one column of policeAnswers.
func inputs(answers []demoAnswer, followUp bool) []assessment.ResponseInput {
	var out []assessment.ResponseInput
	for _, a := range answers {
		v, comment, evidence := a.base, a.comment, a.evidence
		if followUp {
			if a.follow.set {
				v = a.follow
			}
			if a.followComment != "" {
				comment = a.followComment
			}
			if a.followEvidence != nil {
				evidence = a.followEvidence
			}
		}
		if v.skip {
			continue
		}
		in := v.in
		in.QuestionKey = a.key
		if comment != "" {
			c := comment
			in.Comment = &c
		}
		in.Evidence = evidence
		out = append(out, in)
	}
	return out
}

// loadAssessments runs the demo assessments through the service, acting
// as the demo accounts.
func loadAssessments(ctx context.Context, s Services, d *Data) error {
	const key = "security-sector-gender-self-assessment"
	committee, err := as(ctx, s.DB, "committee@demo.gendertrack.org")
	if err != nil {
		return err
	}
	leadership, err := as(ctx, s.DB, "leadership@demo.gendertrack.org")
	if err != nil {
		return err
	}
	gendarmerie, err := as(ctx, s.DB, "gendarmerie@demo.gendertrack.org")
	if err != nil {
		return err
	}
	svc := s.Assessment
	str := func(v string) *string { return &v }

	// The baseline: answered, with a finding the committee added by hand,
	// submitted and validated by the leadership.
	if d.Baseline, err = svc.Create(committee, assessment.CreateInput{InstitutionID: d.Police.ID, QuestionnaireKey: key,
		Title: "Baseline gender self-assessment 2025", StartDate: "2025-01-15", EndDate: str("2025-03-31")}); err != nil {
		return err
	}
	if _, _, err := svc.SaveResponses(committee, d.Baseline.ID, inputs(policeAnswers(), false)); err != nil {
		return fmt.Errorf("baseline responses: %w", err)
	}
	if err := attachResponseFiles(committee, s, d.Baseline.ID, responseFiles(false)); err != nil {
		return err
	}
	if _, err := svc.AddFinding(committee, assessment.FindingInput{AssessmentID: d.Baseline.ID, AreaKey: "accountability-oversight",
		QuestionKey: str("women-in-custody-safeguards"),
		Title:       "No women officers on night duty in the custody areas of the Capital District stations",
		Detail:      str("Seen during the station visits of January 2025: women detainees are guarded and searched by men at night, and no register records who entered the cells."),
		Category:    "STRUCTURE", Severity: "HIGH"}); err != nil {
		return fmt.Errorf("baseline manual finding: %w", err)
	}
	if _, err := svc.Submit(committee, d.Baseline.ID, nil); err != nil {
		return fmt.Errorf("baseline submission: %w", err)
	}
	if d.Baseline, err = svc.Validate(leadership, d.Baseline.ID, str("Reviewed with the Gender Committee on 28 March 2025.")); err != nil {
		return fmt.Errorf("baseline validation: %w", err)
	}

	// The follow-up: most questions answered, still a draft.
	if d.FollowUp, err = svc.Create(committee, assessment.CreateInput{InstitutionID: d.Police.ID, QuestionnaireKey: key,
		Title: "Follow-up gender self-assessment 2026", StartDate: "2026-03-01"}); err != nil {
		return err
	}
	if _, _, err := svc.SaveResponses(committee, d.FollowUp.ID, inputs(policeAnswers(), true)); err != nil {
		return fmt.Errorf("follow-up responses: %w", err)
	}
	if err := attachResponseFiles(committee, s, d.FollowUp.ID, responseFiles(true)); err != nil {
		return err
	}
	if d.FollowUp, err = reload(ctx, s.DB, d.FollowUp.ID); err != nil {
		return err
	}

	// The gendarmerie's GBV and CRSV capacity assessment, partly answered.
	g, err := svc.Create(gendarmerie, assessment.CreateInput{InstitutionID: d.Gendarmerie.ID, QuestionnaireKey: "gbv-crsv-response-capacity",
		Title: "GBV and CRSV response capacity review 2026", StartDate: "2026-02-10"})
	if err != nil {
		return err
	}
	if _, _, err := svc.SaveResponses(gendarmerie, g.ID, gendarmerieAnswers()); err != nil {
		return fmt.Errorf("gendarmerie responses: %w", err)
	}
	return nil
}

func reload(ctx context.Context, db *store.DB, id int64) (*store.Assessment, error) {
	var a store.Assessment
	if err := db.NewSelect().Model(&a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, err
	}
	return &a, nil
}
