package payments

import "time"

// TopicOrderPaid is published once per order when it is paid: the module
// that sold what it pays for fulfils it (confirms the sign-up, starts the
// membership).
const TopicOrderPaid = "payments.order_paid"

// OrderPaidEvent is the payload of payments.order_paid.
type OrderPaidEvent struct {
	OrderNo   string    `json:"order_no"`
	Kind      Kind      `json:"kind"`
	UserID    string    `json:"user_id"`
	SubjectID string    `json:"subject_id"`
	AmountFen int64     `json:"amount_fen"`
	Channel   string    `json:"channel"`
	PaidAt    time.Time `json:"paid_at"`
	// Late: the order had been closed (expired, or its seat released)
	// when the money arrived; the seller refunds what it cannot fulfil.
	Late bool `json:"late"`
}

// TopicRefundSettled is published once per refund when the provider has
// settled it, successfully or not.
const TopicRefundSettled = "payments.refund_settled"

// RefundSettledEvent is the payload of payments.refund_settled.
type RefundSettledEvent struct {
	RefundNo  string    `json:"refund_no"`
	OrderNo   string    `json:"order_no"`
	UserID    string    `json:"user_id"`
	AmountFen int64     `json:"amount_fen"`
	Succeeded bool      `json:"succeeded"`
	SettledAt time.Time `json:"settled_at"`
}
