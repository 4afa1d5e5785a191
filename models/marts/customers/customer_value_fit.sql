-- grain: one row per model of the predicted customer value (model: bg_nbd, gamma_gamma), as fitted at the as-of date

with

value_basis as (

    -- the fit and its diagnostics as the predicted-value model recorded them (its table comment, read in
    -- intermediate.int_customer_value_basis), with the potential-value basis decided there for every tier model
    select * from intermediate.int_customer_value_basis

),

models as (

    select
        'bg_nbd' as model,
        1 as model_order,
        'BG/NBD: purchases and dropout (购买频次与流失)' as model_label,
        value_basis.fit_diagnostics -> '$.bg_nbd' as model_fit,
        value_basis.fit_diagnostics as fit

    from value_basis
    union all
    select
        'gamma_gamma',
        2,
        'Gamma-Gamma: spend per purchase (客单价)',
        value_basis.fit_diagnostics -> '$.gamma_gamma',
        value_basis.fit_diagnostics

    from value_basis

),

parsed as (

    select
        model,
        model_order,
        model_label,
        cast(fit ->> '$.fitted_at' as date) as fitted_at,
        fit ->> '$.model_status' as model_status,
        model_fit ->> '$.fit_status' as fit_status,
        cast(model_fit ->> '$.parameters.r' as double) as r,
        cast(model_fit ->> '$.parameters.alpha' as double) as alpha,
        cast(model_fit ->> '$.parameters.a' as double) as a,
        cast(model_fit ->> '$.parameters.b' as double) as b,
        cast(model_fit ->> '$.parameters.p' as double) as p,
        cast(model_fit ->> '$.parameters.q' as double) as q,
        cast(model_fit ->> '$.parameters.v' as double) as v,
        cast(model_fit ->> '$.log_likelihood' as double) as log_likelihood,
        cast(model_fit ->> '$.customers_seen' as integer) as customers_seen,
        cast(model_fit ->> '$.customers_fitted' as double) as customers_fitted,
        cast(model_fit ->> '$.iterations' as integer) as iterations,
        cast(model_fit ->> '$.is_converged' as boolean) as is_converged,
        cast(model_fit ->> '$.is_at_boundary' as boolean) as is_at_boundary,
        model_fit ->> '$.boundary_reasons' as boundary_reasons,
        cast(model_fit ->> '$.mean_dropout_probability' as double) as mean_dropout_probability,
        cast(model_fit ->> '$.share_alive_certain' as double) as share_alive_above_99,
        cast(model_fit ->> '$.repeat_customers' as integer) as repeat_customers,
        cast(model_fit ->> '$.repeat_share_alive_certain' as double) as repeat_share_alive_above_99,
        cast(model_fit ->> '$.repeat_alive_p10' as double) as repeat_alive_p10,
        cast(model_fit ->> '$.repeat_alive_median' as double) as repeat_alive_median,
        cast(model_fit ->> '$.repeat_alive_p90' as double) as repeat_alive_p90,
        coalesce(model_fit ->> '$.verdict', 'not_fitted') as verdict

    from models

),

final as (

    select
        parsed.model,
        parsed.model_label,
        parsed.fitted_at,
        parsed.fit_status,
        case parsed.model
            when 'bg_nbd' then printf('r=%.6g, alpha=%.6g, a=%.6g, b=%.6g', r, alpha, a, b)
            else printf('p=%.6g, q=%.6g, v=%.6g', p, q, v)
        end as parameters,
        parsed.r,
        parsed.alpha,
        parsed.a,
        parsed.b,
        parsed.p,
        parsed.q,
        parsed.v,
        parsed.log_likelihood,
        parsed.customers_seen,
        parsed.customers_fitted,
        value_basis.customers_predicted,
        parsed.iterations,
        parsed.is_converged,
        parsed.is_at_boundary,
        parsed.boundary_reasons,
        parsed.mean_dropout_probability,
        parsed.share_alive_above_99,
        parsed.repeat_customers,
        parsed.repeat_share_alive_above_99,
        parsed.repeat_alive_p10,
        parsed.repeat_alive_median,
        parsed.repeat_alive_p90,
        parsed.verdict,
        -- in words, for Chinese and for English readers (verdict_text below holds both, as the other marts' details)
        case
            when parsed.fit_status <> 'fitted' then '未拟合（客户或复购客户过少，或拟合失败）'
            when parsed.model = 'bg_nbd' and parsed.verdict = 'uninformative' then
                '拟合落在参数边界，流失信号无信息：' || coalesce(round(100 * parsed.repeat_share_alive_above_99, 1), 0)
                || '% 的复购客户存活概率 > 0.99；客户分层改按最近购买与累计消费排名'
            when parsed.model = 'bg_nbd' then
                '拟合有效：复购客户存活概率 P10 ' || round(parsed.repeat_alive_p10, 2) || '、中位数 '
                || round(parsed.repeat_alive_median, 2)
            when parsed.verdict = 'uninformative' then '拟合落在参数边界：各客户的预期客单价几乎相同'
            else '拟合有效'
        end
        || case when parsed.fit_status = 'fitted' and not parsed.is_converged then '（未在迭代上限内收敛）' else '' end
            as verdict_text_zh,
        case
            when parsed.fit_status <> 'fitted' then 'Not fitted (too few customers or repeat buyers, or the fit failed)'
            when parsed.model = 'bg_nbd' and parsed.verdict = 'uninformative' then
                'Fit at a boundary, the churn signal carries nothing: P(alive) > 0.99 for '
                || coalesce(round(100 * parsed.repeat_share_alive_above_99, 1), 0)
                || '% of repeat buyers; tiers rank potential value by recency and lifetime revenue instead'
            when parsed.model = 'bg_nbd' then
                'Informative fit: P(alive) of repeat buyers from ' || round(parsed.repeat_alive_p10, 2)
                || ' (10th percentile) to a median of ' || round(parsed.repeat_alive_median, 2)
            when parsed.verdict = 'uninformative' then
                'Fit at a boundary: every customer gets nearly the same expected spend per purchase'
            else 'Informative fit'
        end
        || case
            when parsed.fit_status = 'fitted' and not parsed.is_converged
                then ' (not converged within the iteration bounds)'
            else ''
        end
            as verdict_text_en,
        value_basis.potential_value_basis,
        parsed.model_order

    from parsed
    cross join value_basis

)

select
    *,
    verdict_text_zh || ' · ' || verdict_text_en as verdict_text

from final
