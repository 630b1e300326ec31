package couponsd

import (
	"fmt"
	"strings"
)

// MoneyErrorKind says why a decimal amount could not be converted.
type MoneyErrorKind string

// The reasons ParseMoney refuses an amount.
const (
	MoneyNotDecimal      MoneyErrorKind = "NOT_DECIMAL"
	MoneyTooPrecise      MoneyErrorKind = "TOO_PRECISE"
	MoneyOverflow        MoneyErrorKind = "OVERFLOW"
	MoneyUnknownCurrency MoneyErrorKind = "UNKNOWN_CURRENCY"
)

// MoneyError is an amount ParseMoney refuses, and why.
type MoneyError struct {
	Amount, Currency string
	Kind             MoneyErrorKind
	Detail           string
}

func (e *MoneyError) Error() string {
	return fmt.Sprintf("couponsd: amount %q %s: %s", e.Amount, e.Currency, e.Detail)
}

// CurrencyDecimals is the number of minor-unit decimals of an ISO 4217
// currency (USD 2, JPY 0, KWD 3), and whether the server knows the code.
// Case and surrounding spaces are ignored, as the server ignores them.
func CurrencyDecimals(currency string) (uint8, bool) {
	d, ok := currencyDecimals[strings.ToUpper(strings.TrimSpace(currency))]
	return d, ok
}

// ParseMoney converts a decimal string to minor units exactly: "150.00" USD
// is 15000, "150" USD 15000, "0.5" USD 50. A leading '-' is accepted. More
// decimals than the currency has, anything but digits and one '.', an
// unknown currency or an amount past int64 are errors. No floating point.
func ParseMoney(amount, currency string) (int64, error) {
	places, ok := CurrencyDecimals(currency)
	if !ok {
		return 0, &MoneyError{amount, currency, MoneyUnknownCurrency, "unknown currency"}
	}
	text := strings.TrimSpace(amount)
	negative := strings.HasPrefix(text, "-")
	if negative {
		text = text[1:]
	}
	whole, frac, hasDot := strings.Cut(text, ".")
	if whole == "" || !allDigits(whole) || !allDigits(frac) || (hasDot && frac == "") {
		return 0, &MoneyError{amount, currency, MoneyNotDecimal, "not a decimal amount such as 150.00"}
	}
	if len(frac) > int(places) {
		return 0, &MoneyError{amount, currency, MoneyTooPrecise, fmt.Sprintf("more decimals than the currency's %d", places)}
	}
	// Accumulate as a negative number so that the int64 minimum fits too.
	var v int64
	const min = -1 << 63
	digits := whole + frac + strings.Repeat("0", int(places)-len(frac))
	for i := 0; i < len(digits); i++ {
		d := int64(digits[i] - '0')
		if v < min/10 || v*10 < min+d {
			return 0, &MoneyError{amount, currency, MoneyOverflow, "too large"}
		}
		v = v*10 - d
	}
	if !negative {
		if v == min {
			return 0, &MoneyError{amount, currency, MoneyOverflow, "too large"}
		}
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatMoney writes minor units as a decimal string with the currency's
// decimals: 15000 USD is "150.00", 1000 JPY "1000", -5 USD "-0.05". An
// unknown currency is written with two decimals.
func FormatMoney(minor int64, currency string) string {
	places, ok := CurrencyDecimals(currency)
	if !ok {
		places = 2
	}
	sign := ""
	abs := uint64(minor)
	if minor < 0 {
		sign = "-"
		abs = uint64(-(minor + 1)) + 1 // no overflow at the int64 minimum
	}
	digits := itoa(abs)
	if places == 0 {
		return sign + digits
	}
	if len(digits) <= int(places) {
		digits = strings.Repeat("0", int(places)-len(digits)+1) + digits
	}
	cut := len(digits) - int(places)
	return sign + digits[:cut] + "." + digits[cut:]
}
