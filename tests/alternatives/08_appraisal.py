from textwrap import dedent

ALTERNATIVE = {
    # The features that are present listed, the rest False (plain bools).
    "design_answer": dedent("""\
        present = {'concurrent_comparison',
                   'group_known_after_follow_up_starts'}
        design = {key: key in present for key in [
            'randomised', 'prospective', 'concurrent_comparison',
            'group_known_after_follow_up_starts',
            'adjusted_for_confounding', 'deaths_reported',
            'protocol_for_this_comparison',
            'blinded_assessment_reported']}"""),
    # Read off the infusion schedules; lists instead of sets.
    "clock_answer": dedent("""\
        standard, prolonged = [1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8]
        group_known_week = prolonged[len(standard)]
        immortal_weeks = group_known_week - prolonged[0]
        windows_before_divergence = [
            w for w in WINDOWS
            if int(w.split('-W')[1]) < group_known_week]
        differ_before_divergence = {'A vs B': ['MELD', 'PTA', 'TBIL'],
                                    'C vs D': ['MELD', 'PTA']}"""),
    # Counting the grid with itertools; the probabilities with math.
    "comparisons_answer": dedent("""\
        import itertools
        import math

        grid = itertools.product(OUTCOMES, PAIRS, WINDOWS)
        n_comparisons = len(list(grid))
        expected_false_positives = n_comparisons * 0.05
        p_at_least_one = -math.expm1(n_comparisons * math.log1p(-0.05))"""),
    # The Clopper-Pearson limits for 0 events by hand: 0 and
    # 1 - 0.025 ** (1 / n).
    "analysed_answer": dedent("""\
        treated, analysed = 513, 37 + 27 + 28 + 31
        share_analysed = analysed / treated
        ci_no_deaths = (0.0, 1 - 0.025 ** (1 / 64))"""),
    # The worst judgement on a scale with No information between Moderate
    # and Serious: the same rule.
    "overall_answer": dedent("""\
        def robins_overall(judgements):
            order = {'Low': 0, 'Moderate': 1, NO_INFORMATION: 2,
                     'Serious': 3, 'Critical': 4}
            try:
                worst = max(order[j] for j in judgements.values())
            except KeyError as error:
                raise ValueError(f'unknown judgement {error}') from None
            return next(k for k, v in order.items() if v == worst)"""),
    # The other domains the guidance allows for the clock and the records.
    "domains_answer": dedent("""\
        domain_of = {'decision': 1, 'clock': 3, 'records': 2,
                     'definition': 3, 'co_interventions': 4,
                     'lab_tests': 6, 'many_results': 7}"""),
    # Other defensible judgements: domain 1 Serious, domain 2 Critical.
    "judgements_answer": dedent("""\
        judgements = dict(zip(DOMAINS, [
            'Serious', 'Critical', 'Moderate', 'Moderate', NO_INFORMATION,
            'Moderate', 'Serious']))
        overall_jia = robins_overall(judgements)"""),
}
