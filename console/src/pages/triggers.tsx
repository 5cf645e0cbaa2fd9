/**
 * TRIGGERS PAGE — PLACEHOLDER.
 *
 * Triggers (topics invoking users' Lambda functions) do not exist in Eddy
 * yet, and neither does an API route to list them. When they land, this
 * page lists each event source: topic, function, its consumer group (link to
 * /groups/<group> for lag), batch size, failures and the on-failure
 * destination, from the triggers' own read-only route. Until then it says so.
 */
import { Link } from 'wouter-preact';
import { Empty } from '../components/ui';

/** The triggers page (not built yet: triggers are not part of Eddy yet). */
export function TriggersPage() {
  return (
    <section>
      <div class="page-head">
        <h2>Triggers</h2>
      </div>
      <Empty title="Triggers are not part of this version of Eddy yet.">
        When they land, this page lists each event source (topic → function) with its consumer group, lag and failures. A trigger's progress will be a consumer group like
        any other, visible under <Link href="/groups">Consumer groups</Link>.
      </Empty>
    </section>
  );
}
