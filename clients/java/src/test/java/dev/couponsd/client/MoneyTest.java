package dev.couponsd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Decimal strings and minor units, exactly, per currency (the Rust client's cases). */
class MoneyTest {
    @Test
    void parsesExactly() {
        assertEquals(15000, Money.parse("150.00", "USD"));
        assertEquals(15000, Money.parse("150", "USD"));
        assertEquals(50, Money.parse("0.5", "USD"));
        assertEquals(1000, Money.parse("1000", "JPY"));
        assertEquals(1234, Money.parse("1.234", "KWD"));
        assertEquals(-5, Money.parse("-0.05", "USD"));
        assertEquals(Long.MAX_VALUE, Money.parse("92233720368547758.07", "USD"));
        for (String[] bad : new String[][] {{"1.001", "USD"}, {"1.5", "JPY"}, {"abc", "USD"}, {"1.", "USD"},
                {".5", "USD"}, {"", "USD"}, {"1e3", "USD"}, {"99999999999999999999", "USD"}, {"10", "XXY"},
                {"92233720368547758.08", "USD"}, {"1,5", "EUR"}}) {
            assertThrows(IllegalArgumentException.class, () -> Money.parse(bad[0], bad[1]), bad[0] + " " + bad[1]);
        }
    }

    @Test
    void formats() {
        assertEquals("120.00", Money.format(12000, "USD"));
        assertEquals("0.05", Money.format(5, "USD"));
        assertEquals("-0.05", Money.format(-5, "USD"));
        assertEquals("1000", Money.format(1000, "JPY"));
        assertEquals("1.234", Money.format(1234, "KWD"));
        assertEquals("-92233720368547758.08", Money.format(Long.MIN_VALUE, "USD"));
        assertEquals("1.00", Money.format(100, "XXY"), "an unknown currency prints with two decimals");
    }

    @Test
    void decimalsPerCurrency() {
        assertEquals(2, Currencies.decimals("USD"));
        assertEquals(0, Currencies.decimals("JPY"));
        assertEquals(3, Currencies.decimals("BHD"));
        assertEquals(4, Currencies.decimals("CLF"));
        assertEquals(-1, Currencies.decimals("usd"));
    }
}
