// Package assessments holds the questionnaires bundled with gendertrack. Every
// *.yaml file here is embedded in the binary and imported at start-up when its
// key and version are not yet stored.
package assessments

import "embed"

// FS holds the bundled questionnaire documents.
//
//go:embed *.yaml
var FS embed.FS
