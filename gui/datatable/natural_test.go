package datatable

import "testing"

func TestNaturalCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"Device 9", "Device 10", -1},
		{"device 10", "Device 9", 1},
		{"2", "10", -1},
		{"100", "10", 1},
		{"007", "7", 0},
		{"abc", "ABC", 0},
		{"Apple", "apple pie", -1},
		{"", "a", -1},
		{"2025-01-20", "2025-11-15", -1},
		{"1.9", "1.10", -1}, // versions compare part by part
		{"Zeta", "alpha", 1},
		{"Äpfel", "äpfel", 0},
		{"é", "f", 1}, // by code point, not by locale
		{"12345678901234567890123", "12345678901234567890124", -1}, // beyond int64
	}
	for _, tt := range tests {
		if got := naturalCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := naturalCompare(tt.b, tt.a); got != -tt.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}
