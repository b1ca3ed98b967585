// Package demo loads the demo data set: two fictional institutions modelled
// on the DCAF Mali case study (a national police and a national
// gendarmerie) with their unit trees, and the partners that support them.
package demo

import (
	"context"
	"fmt"

	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/org"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Services are what the demo loader writes through, so that the demo data
// passes the same validation as a user's.
type Services struct {
	DB      *store.DB
	Org     *org.Service
	Account *account.Service
	// Assessment runs the demo assessments; the bundled questionnaires are
	// imported at start-up, before the demo loads.
	Assessment *assessment.Service
	// Plans writes the demo action plans.
	Plans *plan.Service
	// Gaps sets the states of some demo gap flags and raises a MANUAL one.
	Gaps *gaps.Service
	// Evidence attaches the demo's evidence files (small PDFs and PNGs
	// made at load time); none without it.
	Evidence *evidence.Service
}

// Password is the password of every demo account. The accounts exist only
// in a database loaded with --demo.
const Password = "gendertrack-demo"

// Accounts are the demo accounts: one per role, in the police unless said.
var Accounts = []struct{ Email, Name, Role, Institution string }{
	{"admin@demo.gendertrack.org", "Demo Administrator", "ADMIN", ""},
	{"coordinator@demo.gendertrack.org", "Aminata Coordinator", "COORDINATOR", "NP"},
	{"committee@demo.gendertrack.org", "Moussa Committee", "COMMITTEE_MEMBER", "NP"},
	{"focalpoint@demo.gendertrack.org", "Fatoumata Focal-Point", "FOCAL_POINT", "NP"},
	{"leadership@demo.gendertrack.org", "General Director Leadership", "LEADERSHIP", "NP"},
	{"partner@demo.gendertrack.org", "Partner NGO Reader", "PARTNER", "NP"},
	{"auditor@demo.gendertrack.org", "Inspector Auditor", "AUDITOR", "NP"},
	{"gendarmerie@demo.gendertrack.org", "Gendarmerie Coordinator", "COORDINATOR", "NG"},
}

// unit is one node of a demo unit tree.
type unit struct {
	name, kind, region, focalPoint string
	dedicated                      bool
	children                       []unit
}

func police() []unit {
	return []unit{{
		name: "General Directorate of the National Police", kind: "HEADQUARTERS", region: "Capital District", focalPoint: "Commissioner A. Traoré", dedicated: true,
		children: []unit{
			{name: "Gender Committee of the National Police", kind: "GENDER_COMMITTEE", region: "Capital District", focalPoint: "Chief Inspector M. Coulibaly", dedicated: true},
			{name: "Directorate of Public Security", kind: "DIRECTORATE", region: "Capital District", focalPoint: "Superintendent K. Diarra"},
			{name: "Directorate of Human Resources", kind: "DIRECTORATE", region: "Capital District"},
			{name: "Directorate of Finance and Logistics", kind: "DIRECTORATE", region: "Capital District"},
			{name: "General Inspectorate of Police Services", kind: "OVERSIGHT_BODY", region: "Capital District", focalPoint: "Inspector F. Sangaré"},
			{name: "National Police Academy", kind: "TRAINING_ACADEMY", region: "Capital District", focalPoint: "Instructor B. Keïta"},
			{name: "Capital District Regional Police Command", kind: "REGIONAL_COMMAND", region: "Capital District", focalPoint: "Commissioner S. Dembélé",
				children: []unit{
					{name: "Capital GBV Brigade for the Protection of Women and Children", kind: "SPECIALISED_UNIT", region: "Capital District", focalPoint: "Lieutenant H. Maïga", dedicated: true},
					{name: "1st District Police Station", kind: "LOCAL_STATION", region: "Capital District"},
					{name: "4th District Police Station", kind: "LOCAL_STATION", region: "Capital District", focalPoint: "Sergeant R. Touré"},
				}},
			{name: "Northern Region Police Command", kind: "REGIONAL_COMMAND", region: "Northern Region",
				children: []unit{
					{name: "Northern Region GBV Unit", kind: "SPECIALISED_UNIT", region: "Northern Region"},
					{name: "Northern Region Central Police Station", kind: "LOCAL_STATION", region: "Northern Region"},
				}},
			{name: "Central Region Police Command", kind: "REGIONAL_COMMAND", region: "Central Region", focalPoint: "Captain O. Cissé",
				children: []unit{
					{name: "Central Region GBV Unit", kind: "SPECIALISED_UNIT", region: "Central Region", focalPoint: "Sergeant A. Sidibé"},
				}},
		},
	}}
}

func gendarmerie() []unit {
	return []unit{{
		name: "General Directorate of the National Gendarmerie", kind: "HEADQUARTERS", region: "Capital District", focalPoint: "Colonel D. Konaté",
		children: []unit{
			{name: "Gender Committee of the National Gendarmerie", kind: "GENDER_COMMITTEE", region: "Capital District", focalPoint: "Major N. Doumbia", dedicated: true},
			{name: "Directorate of Operations", kind: "DIRECTORATE", region: "Capital District"},
			{name: "Directorate of Personnel", kind: "DIRECTORATE", region: "Capital District", focalPoint: "Captain Y. Fofana"},
			{name: "Gendarmerie Inspectorate", kind: "OVERSIGHT_BODY", region: "Capital District"},
			{name: "Gendarmerie Training School", kind: "TRAINING_ACADEMY", region: "Capital District", focalPoint: "Warrant Officer L. Camara"},
			{name: "Capital Legion", kind: "REGIONAL_COMMAND", region: "Capital District", focalPoint: "Lieutenant-Colonel I. Bah",
				children: []unit{
					{name: "Capital Research Brigade (GBV cases)", kind: "SPECIALISED_UNIT", region: "Capital District", focalPoint: "Chief Warrant Officer T. Diallo", dedicated: true},
				}},
			{name: "Northern Legion", kind: "REGIONAL_COMMAND", region: "Northern Region",
				children: []unit{
					{name: "Northern Territorial Brigade", kind: "LOCAL_STATION", region: "Northern Region"},
				}},
			{name: "Central Legion", kind: "REGIONAL_COMMAND", region: "Central Region",
				children: []unit{
					{name: "Central Territorial Brigade", kind: "LOCAL_STATION", region: "Central Region"},
					{name: "Central Mobile GBV Response Team", kind: "SPECIALISED_UNIT", region: "Central Region"},
				}},
		},
	}}
}

// Data is what Load created, for later steps of the demo to build on.
type Data struct {
	Police, Gendarmerie *store.Institution
	Units               map[string]*store.Unit // by name
	Partners            map[string]*store.Partner
	// Baseline is the police's validated self-assessment of 2025 (with its
	// RULE and MANUAL findings); FollowUp its 2026 follow-up in DRAFT.
	Baseline, FollowUp *store.Assessment
}

// Load fills an empty database with the demo data set. It does nothing and
// reports false when the database already holds institutions.
func Load(ctx context.Context, s Services) (bool, error) {
	n, err := s.DB.NewSelect().Table("institutions").Count(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	_, err = build(ctx, s)
	return err == nil, err
}

func build(ctx context.Context, s Services) (*Data, error) {
	d := &Data{Units: map[string]*store.Unit{}, Partners: map[string]*store.Partner{}}
	str := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	var err error
	if d.Police, err = s.Org.CreateInstitution(ctx, org.InstitutionInput{Name: patch.Set("National Police"), Acronym: patch.Set("NP"), Sector: patch.Set("POLICE"), Country: patch.Set("ML")}); err != nil {
		return nil, err
	}
	if d.Gendarmerie, err = s.Org.CreateInstitution(ctx, org.InstitutionInput{Name: patch.Set("National Gendarmerie"), Acronym: patch.Set("NG"), Sector: patch.Set("GENDARMERIE"), Country: patch.Set("ML")}); err != nil {
		return nil, err
	}
	var add func(inst int64, parent *int64, us []unit) error
	add = func(inst int64, parent *int64, us []unit) error {
		for _, u := range us {
			created, err := s.Org.CreateUnit(ctx, org.UnitInput{InstitutionID: inst, ParentID: patch.Ptr(parent), Name: patch.Set(u.name), Kind: patch.Set(u.kind),
				Region: patch.Ptr(str(u.region)), GenderFocalPoint: patch.Ptr(str(u.focalPoint)), FocalPointDedicated: patch.Set(u.dedicated)})
			if err != nil {
				return err
			}
			d.Units[u.name] = created
			if err := add(inst, &created.ID, u.children); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add(d.Police.ID, nil, police()); err != nil {
		return nil, err
	}
	if err := add(d.Gendarmerie.ID, nil, gendarmerie()); err != nil {
		return nil, err
	}
	for _, p := range []org.PartnerInput{
		{Name: "UN Women Country Office", Kind: "UN_AGENCY", Country: str("ML")},
		{Name: "Association for Women's Legal Aid", Kind: "NGO", Country: str("ML")},
		{Name: "Embassy of the Netherlands – Security Cooperation", Kind: "BILATERAL_DONOR", Country: str("NL")},
		{Name: "DCAF – Geneva Centre for Security Sector Governance", Kind: "INTERNATIONAL_ORGANISATION", Country: str("CH")},
	} {
		created, err := s.Org.CreatePartner(ctx, p)
		if err != nil {
			return nil, err
		}
		d.Partners[p.Name] = created
	}
	for _, a := range Accounts {
		var inst int64
		switch a.Institution {
		case "NP":
			inst = d.Police.ID
		case "NG":
			inst = d.Gendarmerie.ID
		}
		if _, err := s.Account.AddUser(ctx, a.Email, a.Name, Password, a.Role, inst); err != nil {
			return nil, err
		}
	}
	if s.Assessment != nil {
		if err := loadAssessments(ctx, s, d); err != nil {
			return nil, fmt.Errorf("demo assessments: %w", err)
		}
	}
	if s.Plans != nil {
		if err := loadPlans(ctx, s, d); err != nil {
			return nil, fmt.Errorf("demo plans: %w", err)
		}
		if s.Gaps != nil {
			if err := loadGaps(ctx, s, d); err != nil {
				return nil, fmt.Errorf("demo gap flags: %w", err)
			}
		}
	}
	return d, nil
}
