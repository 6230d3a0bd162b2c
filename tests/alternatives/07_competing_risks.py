from textwrap import dedent

ALTERNATIVE = {
    # lifelines' AalenJohansenFitter called directly, read with .predict (a
    # step of the curve), instead of trialkit's wrappers.
    "aj_answer": dedent("""\
        aj_60 = {}
        for code, cause in CAUSES.items():
            aj_60[cause] = {}
            for arm, part in trial.groupby('arm'):
                ajf = AalenJohansenFitter().fit(
                    part['hcc_months'], part['hcc_status'],
                    event_of_interest=code)
                aj_60[cause][arm] = ajf.predict(60)"""),
    # trialkit's Kaplan-Meier by arm on 0/1 event columns, read with
    # survival_function_at_times.
    "km_answer": dedent("""\
        km_60 = {}
        for code, cause in CAUSES.items():
            is_event = (trial['hcc_status'] == code).astype(int)
            curves = tk.km_by_arm(trial.assign(event=is_event),
                                  time='hcc_months', event='event')
            km_60[cause] = {
                arm: 1 - kmf.survival_function_at_times(60).iloc[0]
                for arm, kmf in curves.items()}"""),
    # The product-limit estimate by hand with pandas.
    "event_free_answer": dedent("""\
        event_free_60 = {}
        for arm, part in trial.groupby('arm'):
            s = 1.0
            ended = part[(part['hcc_status'] > 0)
                         & (part['hcc_months'] <= 60)]
            for t, d in ended.groupby('hcc_months').size().items():
                s *= 1 - d / (part['hcc_months'] >= t).sum()
            event_free_60[arm] = s"""),
    # Vectorised with pandas: counts per distinct time, a cumulative product
    # for S(t-) and a cumulative sum for the incidence.
    "by_hand_answer": dedent("""\
        def aalen_johansen_at(months, status, cause, at):
            d = pd.DataFrame({'t': np.asarray(months, float),
                              's': np.asarray(status)})
            per_time = d.groupby('t')['s'].agg(
                left='size', any=lambda s: (s > 0).sum(),
                cause=lambda s: (s == cause).sum())
            at_risk = len(d) - per_time['left'].cumsum().shift(fill_value=0)
            after = (1 - per_time['any'] / at_risk).cumprod()
            before = after.shift(fill_value=1.0)
            steps = before * per_time['cause'] / at_risk
            return float(steps[steps.index <= at].sum())"""),
    # CoxPHFitter directly with UC-MSC coded 1, then turned round.
    "cause_specific_answer": dedent("""\
        hrs = {}
        for code in (1, 2):
            data = pd.DataFrame({
                'months': trial['hcc_months'],
                'event': (trial['hcc_status'] == code).astype(int),
                'msc': (trial['arm'] == 'UC-MSC').astype(int)})
            fit = CoxPHFitter().fit(data, duration_col='months',
                                    event_col='event')
            hrs[code] = 1 / fit.hazard_ratios_['msc']
        hr_hcc, hr_death = hrs[1], hrs[2]"""),
}
