"""The alert path after classification: route to desks, then deliver.

subscriptions  config/subscriptions.yaml, validated at load (ConfigError names the key)
regions        country codes and admin1 names resolved against ISO 3166 (pycountry)
routing        Router: ClassifiedArticle -> alerts (one per subscription and channel)
               plus one RoutingDecision per subscription, with the reason
notifiers/     one module per integration (slack, email, console), one Notifier protocol
delivery       Deliverer: send once per delivery key, retry with backoff, record results
"""
