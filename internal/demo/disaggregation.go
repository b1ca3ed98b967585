package demo

import (
	"context"
	"fmt"
	"math"

	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// policeDisaggregation adds to the police plan the disaggregated
// indicators of issue #15 (RULES.md section 7): GBV cases by survivors'
// sex, age group and type of violence, month by month; women among
// officers by region, a GIVEN percentage with a target per region; officers
// trained, by sex, with a target for women; and one indicator that counts
// people without a SEX dimension, so that the gap rule
// PEOPLE_INDICATOR_NOT_DISAGGREGATED shows.
func policeDisaggregation(committee, focal context.Context, svc *plan.Service, objectives []*store.Objective, actions []*store.Action) error {
	kind := func(k string) plan.DimensionInput { return plan.DimensionInput{Kind: k} }
	yes := true
	given := plan.AggregationGiven
	create := func(in plan.IndicatorInput) (*store.Indicator, error) {
		ind, err := svc.CreateIndicator(committee, in)
		if err != nil {
			return nil, fmt.Errorf("indicator %q: %w", *in.Name, err)
		}
		return ind, nil
	}
	record := func(ind *store.Indicator, value float64, on, note string, bd []plan.BreakdownValueInput) error {
		if _, _, err := svc.RecordMeasurement(focal, plan.MeasurementInput{IndicatorID: ind.ID, Value: value, MeasuredOn: on,
			Source: sptr("Gender Committee monitoring"), Note: sptr(note), Breakdown: bd}); err != nil {
			return fmt.Errorf("measurement of %q on %s: %w", ind.Name, on, err)
		}
		return nil
	}
	ref := func(d, c string) store.CategoryRef { return store.CategoryRef{Dimension: d, Category: c} }

	// GBV cases registered, per month, by the survivor's sex and age group
	// and the type of violence (the GBVIMS classification).
	cases := planIndicator("GBV cases registered by the police per month", "OUTCOME", fptr(40), 120, "cases")
	cases.ObjectiveID = &objectives[0].ID
	cases.BaselineDate, cases.TargetDate = sptr("2026-01-01"), sptr("2027-12-31")
	cases.MeansOfVerification = sptr("Monthly GBV case registers of the regional GBV units, coded with the GBVIMS classification")
	cases.Disaggregation = []plan.DimensionInput{kind(plan.DimensionSex), kind(plan.DimensionAgeGroup), kind(plan.DimensionGBVType)}
	cases.CategoryTargets = []plan.CategoryTargetInput{
		{Dimension: "sex", Category: "women", Baseline: fptr(34), Target: 100},
		{Dimension: "age-group", Category: "under-18", Baseline: fptr(8), Target: 30},
	}
	ci, err := create(cases)
	if err != nil {
		return err
	}
	types := []struct {
		key  string
		base float64
	}{{"rape", 4}, {"sexual-assault", 3}, {"physical-assault", 9}, {"forced-marriage", 2}, {"denial-of-resources", 3}, {"psychological-abuse", 6}}
	sexes := []struct {
		key    string
		factor float64
	}{{"women", 1}, {"men", 0.25}}
	ages := []struct {
		key    string
		factor float64
	}{{"under-18", 0.4}, {"18-and-over", 1}}
	months := []string{"2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31"}
	for m, on := range months {
		growth := 1 + 0.12*float64(m)
		var bd []plan.BreakdownValueInput
		total := 0.0
		for _, s := range sexes {
			for _, a := range ages {
				for _, t := range types {
					v := math.Round(t.base * s.factor * a.factor * growth)
					total += v
					bd = append(bd, plan.BreakdownValueInput{Categories: []store.CategoryRef{ref("sex", s.key), ref("age-group", a.key), ref("gbv-type", t.key)}, Value: v})
				}
			}
		}
		if err := record(ci, total, on, "Monthly register of the GBV units", bd); err != nil {
			return err
		}
	}

	// Women among officers, a percentage given per region and for the
	// force as a whole: the target, 15 %, holds in every region.
	women := planIndicator("Women among police officers", "OUTCOME", fptr(8.5), 15, "%")
	women.ObjectiveID = &objectives[0].ID
	women.BaselineDate, women.TargetDate = sptr("2026-01-01"), sptr("2027-12-31")
	women.MeansOfVerification = sptr("Personnel database of the Directorate of Human Resources, end of quarter")
	women.Aggregation = &given
	women.Disaggregation = []plan.DimensionInput{{Kind: plan.DimensionCustom, Key: sptr("region"), Label: sptr("Region"),
		Categories: []plan.CategoryInput{{Key: "capital", Label: "Capital District"}, {Key: "north", Label: "Northern Region"}, {Key: "centre", Label: "Central Region"}}}}
	women.CategoryTargets = []plan.CategoryTargetInput{
		{Dimension: "region", Category: "capital", Baseline: fptr(10), Target: 15},
		{Dimension: "region", Category: "north", Baseline: fptr(7), Target: 15},
		{Dimension: "region", Category: "centre", Baseline: fptr(6), Target: 15},
	}
	wi, err := create(women)
	if err != nil {
		return err
	}
	for _, q := range []struct {
		on                            string
		total, capital, north, centre float64
	}{
		{"2026-03-31", 8.9, 10.8, 7.4, 6.2},
		{"2026-06-30", 9.6, 11.6, 8.1, 6.4},
		{"2026-09-30", 10.3, 12.5, 8.9, 6.5},
	} {
		bd := []plan.BreakdownValueInput{
			{Categories: []store.CategoryRef{ref("region", "capital")}, Value: q.capital},
			{Categories: []store.CategoryRef{ref("region", "north")}, Value: q.north},
			{Categories: []store.CategoryRef{ref("region", "centre")}, Value: q.centre},
		}
		if err := record(wi, q.total, q.on, "Quarterly personnel statistics", bd); err != nil {
			return err
		}
	}

	// Officers trained by the regional roll-out, by sex.
	trained := planIndicator("Officers trained in GBV case handling", "OUTPUT", fptr(0), 400, "officers")
	trained.ActionID = &actions[1].ID
	trained.CountsPeople = &yes
	trained.Disaggregation = []plan.DimensionInput{kind(plan.DimensionSex)}
	trained.CategoryTargets = []plan.CategoryTargetInput{{Dimension: "sex", Category: "women", Baseline: fptr(0), Target: 120}}
	ti, err := create(trained)
	if err != nil {
		return err
	}
	for _, q := range []struct {
		on         string
		women, men float64
	}{{"2026-08-31", 18, 42}, {"2026-10-31", 41, 97}} {
		bd := []plan.BreakdownValueInput{
			{Categories: []store.CategoryRef{ref("sex", "women")}, Value: q.women},
			{Categories: []store.CategoryRef{ref("sex", "men")}, Value: q.men},
		}
		if err := record(ti, q.women+q.men, q.on, "Attendance lists of the training sessions", bd); err != nil {
			return err
		}
	}

	// Counts people, but nobody has broken it down by sex yet: the gap
	// rule PEOPLE_INDICATOR_NOT_DISAGGREGATED flags it.
	referred := planIndicator("Survivors referred to support services", "OUTPUT", fptr(0), 300, "survivors")
	referred.ObjectiveID = &objectives[2].ID
	referred.CountsPeople = &yes
	ri, err := create(referred)
	if err != nil {
		return err
	}
	for _, q := range []demoMeasurement{{45, "2026-05-31", "Referral forms, first half-year"}, {110, "2026-09-30", "Referral forms, third quarter"}} {
		if err := record(ri, q.value, q.on, q.note, nil); err != nil {
			return err
		}
	}
	return nil
}
