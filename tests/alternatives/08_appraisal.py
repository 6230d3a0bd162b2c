ALTERNATIVE = {
    # The features that are present listed, the rest False (plain Python bools).
    "design_answer": (
        "present = {'concurrent_comparison', 'group_known_after_follow_up_starts'}\n"
        "design = {key: key in present for key in [\n"
        "    'randomised', 'prospective', 'concurrent_comparison',\n"
        "    'group_known_after_follow_up_starts', 'adjusted_for_confounding',\n"
        "    'deaths_reported', 'protocol_for_this_comparison',\n"
        "    'blinded_assessment_reported']}"
    ),
    # Read off the infusion schedules; lists instead of sets.
    "clock_answer": (
        "standard, prolonged = [1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8]\n"
        "group_known_week = prolonged[len(standard)]\n"
        "immortal_weeks = group_known_week - prolonged[0]\n"
        "windows_before_divergence = [w for w in WINDOWS\n"
        "                             if int(w.split('-W')[1]) < group_known_week]\n"
        "differ_before_divergence = {'A vs B': ['MELD', 'PTA', 'TBIL'],\n"
        "                            'C vs D': ['MELD', 'PTA']}"
    ),
    # Counting the grid with itertools; the probabilities with math.
    "comparisons_answer": (
        "import itertools\n"
        "import math\n"
        "\n"
        "n_comparisons = len(list(itertools.product(OUTCOMES, PAIRS, WINDOWS)))\n"
        "expected_false_positives = n_comparisons * 0.05\n"
        "p_at_least_one = -math.expm1(n_comparisons * math.log1p(-0.05))"
    ),
    # The Clopper-Pearson limits for 0 events by hand: 0 and 1 - (0.025)^(1/n).
    "analysed_answer": (
        "treated, analysed = 513, 37 + 27 + 28 + 31\n"
        "share_analysed = analysed / treated\n"
        "ci_no_deaths = (0.0, 1 - 0.025 ** (1 / 64))"
    ),
    # The worst judgement on a scale with No information between Moderate and
    # Serious: the same rule.
    "overall_answer": (
        "def robins_overall(judgements):\n"
        "    order = {'Low': 0, 'Moderate': 1, NO_INFORMATION: 2, 'Serious': 3,\n"
        "             'Critical': 4}\n"
        "    try:\n"
        "        worst = max(order[j] for j in judgements.values())\n"
        "    except KeyError as error:\n"
        "        raise ValueError(f'unknown judgement {error}') from None\n"
        "    return next(k for k, v in order.items() if v == worst)"
    ),
    # The other domains the guidance allows for the clock and the records.
    "domains_answer": (
        "domain_of = {'decision': 1, 'clock': 3, 'records': 2, 'definition': 3,\n"
        "             'co_interventions': 4, 'lab_tests': 6, 'many_results': 7}"
    ),
    # Other defensible judgements: domain 1 Serious, domain 2 Critical.
    "judgements_answer": (
        "judgements = dict(zip(DOMAINS, ['Serious', 'Critical', 'Moderate',\n"
        "                                'Moderate', NO_INFORMATION, 'Moderate',\n"
        "                                'Serious']))\n"
        "overall_jia = robins_overall(judgements)"
    ),
}
