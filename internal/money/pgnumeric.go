package money

import (
	"errors"
	"math/big"

	"github.com/jackc/pgx/v5/pgtype"
)

// ScanNumeric reads a PostgreSQL NUMERIC as pgx decodes it from the binary
// form, coefficient and exponent, where Scan would parse the text pgx
// formatted from them: the hot reads of resource requirements scan their
// amounts this way (store.Select).
func (d *Decimal) ScanNumeric(n pgtype.Numeric) error {
	if !n.Valid {
		return errors.New("plan: cannot scan NULL into a Decimal; scan into a *Decimal")
	}
	if n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		return errors.New("plan: cannot scan a NUMERIC that is not a finite number into a Decimal")
	}
	var r Decimal
	if n.Int.Sign() < 0 {
		r.v.Negative = true
		r.v.Coeff.SetMathBigInt(new(big.Int).Neg(n.Int))
	} else {
		r.v.Coeff.SetMathBigInt(n.Int)
	}
	r.v.Exponent = n.Exp
	*d = r
	return nil
}
