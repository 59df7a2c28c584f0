// The staff home page: every list the user may see, with member counts, this week's bounces and alarms.
import type { FastifyPluginAsync } from 'fastify';
import { listHealth, TREND_DAYS } from '../../../lists/lists.js';
import { ALL_STAFF, type StaffPrincipal } from '../../plugins/auth.js';
import { flashFor, trendSvg } from './_shared.js';

const dashboard: FastifyPluginAsync = async (app) => {
  app.get('/admin', { config: { access: { roles: ALL_STAFF } } }, async (req, reply) => {
    const staff = req.staff as StaffPrincipal;
    const health = await listHealth(app.ctx.db, staff, app.ctx.clock.today());
    const lists = health.map((h) => ({
      ...h,
      trendSvg: trendSvg(h.trend),
      alarm: h.hardThisWeek > 0 || h.complaintsThisWeek > 0 || h.blockedThisWeek > 0,
    }));
    return reply.view('pages/admin/dashboard.hbs', {
      title: 'Lists',
      lists,
      trendDays: TREND_DAYS,
      canCreate: staff.role === 'site_admin',
      flash: flashFor((req.query as Record<string, unknown>).flash),
    });
  });
};

export default dashboard;
