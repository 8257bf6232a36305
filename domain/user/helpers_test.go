package user_test

import "time"

var testNow = time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
