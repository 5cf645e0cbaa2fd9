/**
 * The Eddy web console: a single page served under /console/, talking to
 * HTTP API v1 on the same origin. Routes live in the URL's hash, so the
 * server only ever serves three static files and every view can be linked.
 */
import '@picocss/pico/css/pico.min.css';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { GroupPage } from './pages/group';
import { GroupsPage } from './pages/groups';
import { MessagesPage } from './pages/messages';
import { TopicPage } from './pages/topic';
import { TopicsPage } from './pages/topics';
import { TriggersPage } from './pages/triggers';

const NAV = [
  ['/topics', 'Topics'],
  ['/groups', 'Consumer groups'],
  ['/triggers', 'Triggers'],
] as const;

function Nav() {
  const [path] = useLocation();
  return (
    <header class="container-fluid top">
      <nav aria-label="Main">
        <ul>
          <li>
            <a href="#/topics" class="brand">
              <strong>Eddy</strong> console
            </a>
          </li>
        </ul>
        <ul>
          {NAV.map(([href, label]) => (
            <li key={href}>
              <Link href={href} aria-current={path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
          <li>
            <a href="/v1/openapi.json" target="_blank" rel="noreferrer">
              API
            </a>
          </li>
        </ul>
      </nav>
    </header>
  );
}

const decoded = (s: string): string => decodeURIComponent(s);

function App() {
  return (
    <Router hook={useHashLocation}>
      <Nav />
      <main class="container-fluid">
        <Switch>
          <Route path="/topics">
            <TopicsPage />
          </Route>
          <Route path="/topics/:topic/messages/:partition?">{(p) => <MessagesPage topic={decoded(p.topic)} {...(p.partition !== undefined ? { partition: p.partition } : {})} />}</Route>
          <Route path="/topics/:topic">{(p) => <TopicPage name={decoded(p.topic)} />}</Route>
          <Route path="/groups">
            <GroupsPage />
          </Route>
          <Route path="/groups/:group">{(p) => <GroupPage name={decoded(p.group)} />}</Route>
          <Route path="/triggers">
            <TriggersPage />
          </Route>
          <Route>
            <Redirect to="/topics" replace />
          </Route>
        </Switch>
      </main>
    </Router>
  );
}

render(<App />, document.getElementById('app')!);
