package web_test

import (
	"testing"

	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// TestMain drops the template databases storetest made for this package.
func TestMain(m *testing.M) { storetest.Main(m) }
