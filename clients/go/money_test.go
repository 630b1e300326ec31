package couponsd

import (
	"errors"
	"testing"
)

func TestMoneyEdges(t *testing.T) {
	cases := []struct {
		amount, currency string
		minor            int64
		kind             MoneyErrorKind
	}{
		{"150.00", "USD", 15000, ""},
		{"150", "USD", 15000, ""},
		{"0.5", "usd", 50, ""},
		{" 1000 ", "JPY", 1000, ""},
		{"1.234", "KWD", 1234, ""},
		{"1.2345", "CLF", 12345, ""},
		{"7", "XAU", 7, ""},
		{"92233720368547758.07", "USD", 9223372036854775807, ""},
		{"-92233720368547758.08", "USD", -9223372036854775808, ""},
		{"92233720368547758.08", "USD", 0, MoneyOverflow},
		{"1.001", "USD", 0, MoneyTooPrecise},
		{"1.5", "JPY", 0, MoneyTooPrecise},
		{"1e3", "USD", 0, MoneyNotDecimal},
		{"+1", "USD", 0, MoneyNotDecimal},
		{"--1", "USD", 0, MoneyNotDecimal},
		{"1", "ANG", 0, MoneyUnknownCurrency},
	}
	for _, c := range cases {
		got, err := ParseMoney(c.amount, c.currency)
		var me *MoneyError
		switch {
		case c.kind == "" && (err != nil || got != c.minor):
			t.Errorf("ParseMoney(%q, %s) = %d, %v; want %d", c.amount, c.currency, got, err, c.minor)
		case c.kind != "" && (!errors.As(err, &me) || me.Kind != c.kind):
			t.Errorf("ParseMoney(%q, %s): %v; want %s", c.amount, c.currency, err, c.kind)
		}
	}
	formats := map[string]string{
		FormatMoney(-9223372036854775808, "USD"): "-92233720368547758.08",
		FormatMoney(5, "USD"):                    "0.05",
		FormatMoney(-5, "KWD"):                   "-0.005",
		FormatMoney(1000, "JPY"):                 "1000",
		FormatMoney(12345, "CLF"):                "1.2345",
	}
	for got, want := range formats {
		if got != want {
			t.Errorf("FormatMoney: %q, want %q", got, want)
		}
	}
}
