package mail

import "github.com/ippo-center/ippo"

// center is the sender used by every sample.
var center = Center{
	Name:      "デジタル就労支援センターKAMAKURA",
	ShortName: "デジKAMA",
	Operator:  "VALT JAPAN株式会社",
	Email:     "digikama@example.jp",
	URL:       "https://digikama.example.jp/",
}

type sample struct {
	name string // golden file base name
	data Data
}

// samples returns fixed data for every template, with the variants that
// change the wording. Every template must have at least one.
func samples() []sample {
	d := ippo.NewDate
	return []sample{
		{"task_request", TaskRequest{Center: center, Name: "山田 花子", Kind: "校正", Description: "商品説明文(20ページ)の誤字脱字の確認",
			ExpectedHours: "10時間", StartsOn: d(2026, 12, 7), DueOn: d(2026, 12, 20), HourlyYen: 1225,
			RateBasis: RateBasisMinimumWage("神奈川県"), PaymentTerms: "毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。",
			AnswerBy: d(2026, 12, 4), AnswerURL: "https://ippo.example.jp/l/eyJpZCI6IjcifQ.c2lnbmF0dXJl"}},
		{"task_request_due_only", TaskRequest{Center: center, Name: "山田 花子", Kind: "データ入力",
			DueOn: d(2026, 12, 20), HourlyYen: 1225,
			RateBasis: RateBasisMinimumWage("神奈川県"), PaymentTerms: "毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。",
			AnswerBy: d(2026, 12, 4), AnswerURL: "https://ippo.example.jp/l/eyJpZCI6IjgifQ.c2lnbmF0dXJl"}},
		{"task_taken", TaskTaken{Center: center, Name: "山田 花子", Kind: "校正"}},
		{"task_withdrawn", TaskWithdrawn{Center: center, Name: "山田 花子", Kind: "校正"}},
		{"task_due_reminder", TaskDueReminder{Center: center, Name: "山田 花子", Kind: "校正", DueOn: d(2026, 12, 20)}},
		{"application_received", ApplicationReceived{Center: center, Name: "山田 花子", Received: d(2026, 4, 1)}},
		{"eligibility_approved", EligibilityApproved{Center: center, Name: "山田 花子"}},
		{"eligibility_approved_waitlisted", EligibilityApproved{Center: center, Name: "山田 花子", Waitlisted: true, Position: 3}},
		{"place_ready", PlaceReady{Center: center, Name: "山田 花子"}},
		{"eligibility_not_approved", EligibilityNotApproved{Center: center, Name: "山田 花子",
			Reason: "お住まいが鎌倉市の外にあるためです。この事業は、鎌倉市にお住まいの方が対象です。"}},
		{"contract_terms_signing", ContractTerms{
			Center: center, Name: "山田 花子", Kind: ContractSigning,
			TermStart: d(2026, 4, 1), TermEnd: d(2026, 9, 30),
			HourlyYen: 1225, RateBasis: RateBasisMinimumWage("神奈川県"),
			WorkContent: WorkContentIT, Place: PlaceRemoteOrOnSite,
			PaymentTerms:  "毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。",
			NextExtension: d(2026, 10, 1), ExtensionMonths: 3,
			OptOutURL:  "https://ippo.example.jp/l/opt-out/eyJpZCI6IjEifQ.c2lnbmF0dXJl",
			AbsenceURL: "https://ippo.example.jp/l/absence/eyJpZCI6IjUifQ.c2lnbmF0dXJl",
		}},
		{"contract_terms_extension", ContractTerms{
			Center: center, Name: "山田 花子", Kind: ContractExtension,
			TermStart: d(2026, 10, 1), TermEnd: d(2026, 12, 31),
			HourlyYen: 1225, RateBasis: RateBasisMinimumWage("神奈川県"),
			WorkContent: WorkContentIT, Place: PlaceRemoteOrOnSite,
			PaymentTerms:  "毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。",
			NextExtension: d(2027, 1, 1), ExtensionMonths: 3,
			OptOutURL:  "https://ippo.example.jp/l/opt-out/eyJpZCI6IjIifQ.c2lnbmF0dXJl",
			AbsenceURL: "https://ippo.example.jp/l/absence/eyJpZCI6IjYifQ.c2lnbmF0dXJl",
		}},
		{"contract_terms_final_extension", ContractTerms{
			Center: center, Name: "山田 花子", Kind: ContractExtension,
			TermStart: d(2026, 10, 1), TermEnd: d(2026, 12, 31),
			HourlyYen: 1225, RateBasis: RateBasisMinimumWage("神奈川県"),
			WorkContent: WorkContentIT, Place: PlaceRemoteOrOnSite,
			PaymentTerms: "毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。",
			Final:        true,
			AbsenceURL:   "https://ippo.example.jp/l/absence/eyJpZCI6IjcifQ.c2lnbmF0dXJl",
		}},
		{"extension_reminder", ExtensionReminder{
			Center: center, Name: "山田 花子",
			CurrentEnd: d(2026, 9, 30), ExtensionStart: d(2026, 10, 1), ExtensionEnd: d(2026, 12, 31),
			OptOutBy:  d(2026, 9, 30),
			OptOutURL: "https://ippo.example.jp/l/opt-out/eyJpZCI6IjEifQ.c2lnbmF0dXJl",
		}},
		{"non_renewal_notice", NonRenewalNotice{Center: center, Name: "山田 花子", EndDate: d(2026, 12, 31), NoticeDays: 30,
			Reason: "鎌倉市との事業の契約が、2026年12月で終わるためです。"}},
		{"non_renewal_notice_no_reason", NonRenewalNotice{Center: center, Name: "山田 花子", EndDate: d(2026, 12, 31), NoticeDays: 30}},
		{"self_assessment_request", SelfAssessmentRequest{Center: center, Name: "山田 花子", Due: d(2026, 9, 15),
			URL: "https://ippo.example.jp/l/self-assessment/eyJpZCI6IjMifQ.c2lnbmF0dXJl"}},
		{"assessment_overdue", AssessmentOverdue{Center: center, WorkerName: "山田 花子", WorkerRef: "7d9e3b52-6a4e-4f0e-b7a4-0e2f6c1d9a33",
			Due: d(2026, 9, 15), StaffMissing: true, SelfMissing: true}},
		{"schedule_review_suggestion", ScheduleReviewSuggestion{Center: center, Name: "山田 花子",
			Month: ippo.YearMonth{Year: 2026, Month: 5}, DeclaredHours: 52, ActualHours: 31.5, Percent: 60, TargetPercent: 80}},
		{"step_up_recommendation", StepUpRecommendation{Center: center, Name: "山田 花子", StaffAverage: 4.25, SelfAverage: 4}},
		{"step_up_recommendation_staff", StepUpRecommendationStaff{Center: center, WorkerName: "山田 花子", WorkerRef: "7d9e3b52-6a4e-4f0e-b7a4-0e2f6c1d9a33",
			StaffAverage: 4.25, SelfAverage: 4, Threshold: 4}},
		{"agency_handoff", AgencyHandoff{
			Center: center, AgencyName: "湘南・横浜若者サポートステーション", WorkerName: "山田 花子",
			Destination: "一般就労",
			Shared: []Line{
				{"得意な作業", "文章校正、データ入力"},
				{"働き方", "週3日、1日3時間の在宅での作業を、1年間続けてきました"},
				{"配慮してほしいこと", "連絡はメールやチャットなど、文章でお願いします"},
			},
			StaffName: "鎌田", StaffEmail: "kamata@digikama.example.jp",
			AckURL: "https://ippo.example.jp/l/ack/eyJpZCI6IjQifQ.c2lnbmF0dXJl", AckBy: d(2027, 4, 15),
		}},
		{"handoff_not_acknowledged", HandoffNotAcknowledged{Center: center, AgencyName: "湘南・横浜若者サポートステーション",
			WorkerName: "山田 花子", WorkerRef: "7d9e3b52-6a4e-4f0e-b7a4-0e2f6c1d9a33", SentOn: d(2027, 4, 1)}},
		{"follow_up_check_in", FollowUpCheckIn{Center: center, Name: "山田 花子", Months: 3}},
		{"monthly_statement", MonthlyStatement{
			Center: center, Name: "山田 花子", Month: ippo.YearMonth{Year: 2025, Month: 10},
			Lines: []FeeLine{
				{From: d(2025, 10, 1), To: d(2025, 10, 3), Hours: 4, YenPerHour: 1162, Amount: 4648},
				{From: d(2025, 10, 4), To: d(2025, 10, 31), Hours: 32.5, YenPerHour: 1225, Amount: 39812},
			},
			TotalHours: 36.5, TotalYen: 44460, PaymentDate: d(2025, 11, 28),
			AbsenceURL:   "https://ippo.example.jp/l/absence/eyJpZCI6IjcifQ.c2lnbmF0dXJl",
			AbsenceUntil: d(2026, 3, 31),
		}},
		{"monthly_statement_no_hours", MonthlyStatement{Center: center, Name: "山田 花子", Month: ippo.YearMonth{Year: 2026, Month: 1}}},
		{"monthly_statement_late", MonthlyStatement{
			Center: center, Name: "山田 花子", Month: ippo.YearMonth{Year: 2026, Month: 5},
			Lines:      []FeeLine{{From: d(2026, 5, 1), To: d(2026, 5, 31), Hours: 6, YenPerHour: 1225, Amount: 7350}},
			TotalHours: 6, TotalYen: 7350,
			Late: []FeeLine{
				{From: d(2026, 4, 20), To: d(2026, 4, 20), Hours: 1.5, YenPerHour: 1225, Amount: 1837},
				{From: d(2026, 4, 27), To: d(2026, 4, 27), Hours: 2, YenPerHour: 1225, Amount: 2450},
			},
			LateYen: 4287,
		}},
		{"city_monthly_report", CityMonthlyReport{
			Center: center, Recipient: "鎌倉市 健康福祉部 ご担当者様", Month: ippo.YearMonth{Year: 2026, Month: 4},
			Rows: []Line{
				{"新規登録", "3人"},
				{"稼働中のワーカー", "42人"},
				{"作業時間の合計", "1,284時間"},
				{"類型の比(障害:ひきこもり)", "3:1"},
				{"卒業", "1人(一般就労 1人)"},
			},
			CSV: "項目,値\n新規登録,3\n稼働中のワーカー,42\n作業時間の合計,1284\n",
		}},
		{"staff_task", StaffTodo{Center: center, Title: "メールが届きませんでした",
			Body:       "契約内容のお知らせ(contract_terms)が、宛先に届きませんでした(bounce)。\n宛先のメールアドレスを確認してください。",
			WorkerName: "山田 花子", WorkerRef: "7d9e3b52-6a4e-4f0e-b7a4-0e2f6c1d9a33", Link: "https://ippo.example.jp/api/v1/outbox?worker=7d9e3b52"}},
	}
}
