ALTERNATIVE = {
    "hr_answer": (
        "hr = tk.cox_by_arm(trial, reference='UC-MSC')\n"
        "hr_control_vs_msc = hr.estimate\n"
        "hr_msc_vs_control = tk.cox_by_arm(trial, reference='control').estimate"
    ),
    "wald_answer": "w = tk.wald_from_ci(1.89, 1.01, 3.58)\nse_log_hr, p_wald = w.se, w.p",
    "km_answer": (
        "surv_36 = {a: float(k.survival_function_at_times(36).iloc[0])\n"
        "           for a, k in tk.km_by_arm(trial).items()}"
    ),
    "logrank_answer": "p_logrank = tk.logrank_by_arm(trial).p_value",
    # UC-MSC coded as 1 (the residuals change sign, the test does not), p read off .p_value.
    "ph_answer": (
        "d = trial[['os_months', 'death']].assign(msc=(trial['arm'] == 'UC-MSC').astype(int))\n"
        "fit = CoxPHFitter().fit(d, 'os_months', 'death')\n"
        "p_ph_rank = float(proportional_hazard_test(fit, d, time_transform='rank').p_value[0])"
    ),
    "verdict_answer": "one_hr_verdict = 'over_time'",
}
